;; Seed: a data segment out of bounds at instantiation, and a start
;; function that traps (compiled as it is; the harness instantiates a copy
;; without the start section).
(module
  (memory 1)
  (data (i32.const 65530) "too long for the page")
  (func $s (unreachable))
  (start $s)
  (func (export "never") (result i32) (i32.const 0)))
