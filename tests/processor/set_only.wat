;; Only writes, so it needs no allocator: accepted.
(module
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (import "bento_wasm" "v0_msg_set_meta" (func $set_meta (param i32 i32 i32 i32)))
  (memory 1)
  (data (i32.const 0) "constkv")
  (func (export "process")
    (call $set_bytes (i32.const 0) (i32.const 5))
    (call $set_meta (i32.const 5) (i32.const 1) (i32.const 6) (i32.const 1))))
