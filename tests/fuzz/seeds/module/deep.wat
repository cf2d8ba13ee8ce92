;; Seed: unbounded recursion (call stack exhausted), many locals and a
;; deeply nested block structure.
(module
  (func $down (export "down") (param i32) (result i32)
    (call $down (i32.add (local.get 0) (i32.const 1))))
  (func (export "locals") (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f32 i32)
    (local.set 0 (i64.const 1))
    (local.set 7 (local.get 0))
    (local.get 7))
  (func (export "nested") (result i32)
    (block (result i32) (block (result i32) (block (result i32) (block (result i32)
      (loop (result i32) (block (result i32) (i32.const 5)))))))))
