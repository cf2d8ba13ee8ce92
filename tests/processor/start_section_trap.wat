;; The start section traps: creation fails.
(module
  (func $boom (unreachable))
  (start $boom)
  (func (export "process")))
