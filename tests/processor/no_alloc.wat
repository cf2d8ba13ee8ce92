;; Imports v0_msg_as_bytes but exports no allocator: refused at creation.
(module
  (import "bento_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (memory 1)
  (func (export "process") (drop (call $as_bytes))))
