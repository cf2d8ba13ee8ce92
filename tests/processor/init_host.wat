;; Calls a message function during initialisation, when there is no message.
(module
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (memory 1)
  (func (export "_initialize") (call $set_bytes (i32.const 0) (i32.const 0)))
  (func (export "process")))
