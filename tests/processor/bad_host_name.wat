(module
  (import "bento_wasm" "v0_msg_nope" (func))
  (func (export "process")))
