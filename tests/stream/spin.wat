;; A slow processor for the crash test: each message costs a few million
;; loop iterations and is left as it is, so a process using it holds its
;; messages long enough to be killed with some unwritten.
(module
  (memory (export "memory") 1)
  (func (export "malloc") (param $n i32) (result i32) (i32.const 1024))
  (func (export "free") (param $p i32))
  (func (export "process")
    (local $i i32)
    (local.set $i (i32.const 3000000))
    (loop $spin
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $spin (local.get $i)))))
