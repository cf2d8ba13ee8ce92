;; malloc traps.
(module
  (import "bento_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (memory 1)
  (func (export "malloc") (param i32) (result i32) (unreachable))
  (func (export "free") (param i32))
  (func (export "process") (drop (call $as_bytes))))
