;; The host-function test module (malloc/free convention). Each export is a
;; small scenario; the *_raw ones take their arguments from the message:
;; four little-endian u32 (a, b, c, d) and then a payload, which is copied
;; to address 1024 so that tests can aim pointers at it. malloc and free
;; count their calls; "counts" reports [mallocs, frees] as 8 bytes, and so
;; does "counted" for a message that starts with '?'.
(module
  (import "bento_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (import "bento_wasm" "v0_msg_get_meta" (func $get_meta (param i32 i32) (result i64)))
  (import "bento_wasm" "v0_msg_set_meta" (func $set_meta (param i32 i32 i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  (memory (export "memory") 1)
  (data (i32.const 512) "first")
  (data (i32.const 520) "second")
  (data (i32.const 528) "changed")
  (data (i32.const 536) "kv")
  (data (i32.const 540) "a1")
  (data (i32.const 544) "seen")
  (data (i32.const 560) "\40\02\00\00\11\00\00\00")   ;; iovec {576, 17}
  (data (i32.const 576) "hello from guest\n")
  (data (i32.const 608) "greeting")

  (global $heap (mut i32) (i32.const 4096))
  (global $live (mut i32) (i32.const 0))
  (global $mallocs (mut i32) (i32.const 0))
  (global $frees (mut i32) (i32.const 0))
  (global $a (mut i32) (i32.const 0))
  (global $b (mut i32) (i32.const 0))
  (global $c (mut i32) (i32.const 0))
  (global $d (mut i32) (i32.const 0))

  (func $malloc (export "malloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i64) (local $have i64)
    (global.set $mallocs (i32.add (global.get $mallocs) (i32.const 1)))
    (local.set $ptr (global.get $heap))
    (local.set $end (i64.and
      (i64.add (i64.extend_i32_u (local.get $ptr))
               (i64.add (i64.extend_i32_u (local.get $size)) (i64.const 7)))
      (i64.const -8)))
    (local.set $have (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (if (i64.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.lt_s
              (memory.grow (i32.wrap_i64 (i64.shr_u
                (i64.sub (i64.add (local.get $end) (i64.const 65535)) (local.get $have))
                (i64.const 16))))
              (i32.const 0))
          (then (return (i32.const 0))))))
    (global.set $heap (i32.wrap_i64 (local.get $end)))
    (global.set $live (i32.add (global.get $live) (i32.const 1)))
    (local.get $ptr))

  (func (export "free") (param $ptr i32)
    (global.set $frees (i32.add (global.get $frees) (i32.const 1)))
    (if (i32.eqz (local.get $ptr)) (then (return)))
    (global.set $live (i32.sub (global.get $live) (i32.const 1)))
    (if (i32.eqz (global.get $live))
      (then (global.set $heap (i32.const 4096)))))

  ;; Reads the message: a, b, c, d and the payload (to 1024, at most 3072 bytes).
  (func $load_args
    (local $m i64) (local $p i32) (local $n i32)
    (local.set $m (call $as_bytes))
    (local.set $p (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32))))
    (local.set $n (i32.wrap_i64 (local.get $m)))
    (if (i32.lt_u (local.get $n) (i32.const 16)) (then (unreachable)))
    (global.set $a (i32.load (local.get $p)))
    (global.set $b (i32.load offset=4 (local.get $p)))
    (global.set $c (i32.load offset=8 (local.get $p)))
    (global.set $d (i32.load offset=12 (local.get $p)))
    (local.set $n (i32.sub (local.get $n) (i32.const 16)))
    (if (i32.gt_u (local.get $n) (i32.const 3072)) (then (local.set $n (i32.const 3072))))
    (memory.copy (i32.const 1024) (i32.add (local.get $p) (i32.const 16)) (local.get $n)))

  (func $set_packed (param $m i64)
    (call $set_bytes (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32)))
                     (i32.wrap_i64 (local.get $m))))

  (func (export "echo") (call $set_packed (call $as_bytes)))
  (func (export "noop"))
  (func (export "set_raw") (call $load_args) (call $set_bytes (global.get $a) (global.get $b)))
  (func (export "get_raw")
    (call $load_args)
    (call $set_packed (call $get_meta (global.get $a) (global.get $b))))
  (func (export "setmeta_raw")
    (call $load_args)
    (call $set_meta (global.get $a) (global.get $b) (global.get $c) (global.get $d)))
  (func (export "counts")
    (i32.store (i32.const 256) (global.get $mallocs))
    (i32.store (i32.const 260) (global.get $frees))
    (call $set_bytes (i32.const 256) (i32.const 8)))
;; Two in-bound buffers per message (the bytes and metadata "greeting"),
  ;; or for "?" the counters as they are during the call.
  (func (export "counted")
    (local $m i64)
    (local.set $m (call $as_bytes))
    (if (i32.and (i32.ne (i32.wrap_i64 (local.get $m)) (i32.const 0))
                 (i32.eq (i32.load8_u (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32))))
                         (i32.const 63)))
      (then
        (i32.store (i32.const 256) (global.get $mallocs))
        (i32.store (i32.const 260) (global.get $frees))
        (call $set_bytes (i32.const 256) (i32.const 8))
        (return)))
    (call $set_packed (call $get_meta (i32.const 608) (i32.const 8))))
  (func (export "set_twice")
    (call $set_bytes (i32.const 512) (i32.const 5))
    (call $set_bytes (i32.const 520) (i32.const 6)))
  ;; as_bytes after set_bytes sees the new bytes: meta seen = "changed".
  (func (export "read_after_set")
    (local $m i64)
    (call $set_bytes (i32.const 528) (i32.const 7))
    (local.set $m (call $as_bytes))
    (call $set_meta (i32.const 544) (i32.const 4)
                    (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32)))
                    (i32.wrap_i64 (local.get $m))))
  ;; get_meta after set_meta sees the new value: bytes = "1".
  (func (export "meta_rw")
    (call $set_meta (i32.const 540) (i32.const 1) (i32.const 541) (i32.const 1))
    (call $set_packed (call $get_meta (i32.const 540) (i32.const 1))))
  ;; Changes everything, then traps: none of it may stick.
  (func (export "trap_after_set")
    (call $set_bytes (i32.const 528) (i32.const 7))
    (call $set_meta (i32.const 536) (i32.const 1) (i32.const 537) (i32.const 1))
    (unreachable))
  (func (export "print")
    (drop (call $fd_write (i32.const 1) (i32.const 560) (i32.const 1) (i32.const 568))))
  (func (export "exit7") (call $proc_exit (i32.const 7)))
  ;; memory.grow(a): the result (old size or -1) as 4 bytes.
  (func (export "grow")
    (call $load_args)
    (i32.store (i32.const 256) (memory.grow (global.get $a)))
    (call $set_bytes (i32.const 256) (i32.const 4))))
