;; malloc of the wrong type: refused at creation.
(module
  (import "bento_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (memory 1)
  (func (export "malloc") (param i64) (result i64) (i64.const 0))
  (func (export "free") (param i32))
  (func (export "process") (drop (call $as_bytes))))
