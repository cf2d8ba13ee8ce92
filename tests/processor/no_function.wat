(module
  (memory (export "memory") 1)
  (func (export "alpha"))
  (func (export "beta") (param i32) (result i32) (local.get 0)))
