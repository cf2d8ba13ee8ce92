;; Seed: one import of each kind, some re-exported, a start function that
;; calls an imported function, and a loop that keeps calling one.
(module
  (import "env" "f" (func $f (param i32 i64 f32 f64) (result i32)))
  (import "env" "g" (func $g (result i32 i32 i64)))
  (import "env" "mem" (memory 1 2))
  (import "env" "tab" (table 2 funcref))
  (import "env" "glob" (global $glob i32))
  (import "env" "mglob" (global $mglob (mut i64)))
  (global $own (mut f32) (f32.const 1.5))
  (export "f" (func $f))
  (export "glob" (global $glob))
  (export "mglob" (global $mglob))
  (export "own" (global $own))
  (func $start (drop (call $f (i32.const 1) (i64.const 2) (f32.const 3) (f64.const 4))))
  (start $start)
  (func (export "use")  (result i32)
    (global.set $mglob (i64.add (global.get $mglob) (i64.const 1)))
    (drop (call $g)) (drop) (drop)
    (i32.add (global.get $glob) (i32.load (i32.const 0))))
  (func (export "many")
    (loop $l
      (drop (call $f (i32.const 0) (i64.const 0) (f32.const 0) (f64.const 0)))
      (br $l))))
