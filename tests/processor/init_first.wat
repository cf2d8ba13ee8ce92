;; Exports both: _initialize runs and _start does not.
(module
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (memory 1)
  (data (i32.const 0) "initialized")
  (func (export "_initialize"))
  (func (export "_start") (unreachable))
  (func (export "process") (call $set_bytes (i32.const 0) (i32.const 11))))
