(module
  (import "bento_wasm" "v0_msg_as_bytes" (func (result i32)))
  (func (export "process")))
