(module
  (func (export "process") (param i32)))
