;; Exports malloc but not free: accepted, with a warning.
(module
  (import "bento_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (memory 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 64))
  (func (export "process") (local $m i64)
    (local.set $m (call $as_bytes))
    (call $set_bytes (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32)))
                     (i32.wrap_i64 (local.get $m)))))
