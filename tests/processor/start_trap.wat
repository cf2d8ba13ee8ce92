;; _start traps: creation fails with the trap's text.
(module
  (memory 1)
  (func $boom (export "_start") (unreachable))
  (func (export "process")))
