;; The processor module of test_nomem: every host function once, with the
;; in-bound buffers from its malloc. For a message with metadata k = V and
;; bytes B, it sets metadata seen = B, writes a line to stdout and leaves
;; V as the bytes.
(module
  (import "bento_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (import "bento_wasm" "v0_msg_get_meta" (func $get_meta (param i32 i32) (result i64)))
  (import "bento_wasm" "v0_msg_set_meta" (func $set_meta (param i32 i32 i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)
  (data (i32.const 512) "k")
  (data (i32.const 520) "seen")
  (data (i32.const 560) "\40\02\00\00\09\00\00\00")   ;; iovec {576, 9}
  (data (i32.const 576) "a line.\n")

  (global $heap (mut i32) (i32.const 4096))

  ;; A bump allocator that never frees; memory grows as needed.
  (func $malloc (export "malloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr (global.get $heap))
    (local.set $end (i32.and (i32.add (i32.add (local.get $ptr) (local.get $size)) (i32.const 7))
                             (i32.const -8)))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.lt_s (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end)
                                                               (i32.shl (memory.size) (i32.const 16)))
                                                       (i32.const 16))
                                            (i32.const 1)))
                      (i32.const 0))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (local.get $ptr))
  (func (export "free") (param $ptr i32))

  (func (export "process")
    (local $m i64) (local $v i64)
    (local.set $m (call $as_bytes))
    (local.set $v (call $get_meta (i32.const 512) (i32.const 1)))
    (call $set_meta (i32.const 520) (i32.const 4)
                    (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32)))
                    (i32.wrap_i64 (local.get $m)))
    (drop (call $fd_write (i32.const 1) (i32.const 560) (i32.const 1) (i32.const 600)))
    (call $set_bytes (i32.wrap_i64 (i64.shr_u (local.get $v) (i64.const 32)))
                     (i32.wrap_i64 (local.get $v)))))
