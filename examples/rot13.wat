;; rot13: rotates the letters of every message by 13 places ("Hello" ->
;; "Uryyb"), written directly in WebAssembly text.
;;
;; A module that imports v0_msg_as_bytes must export an allocator for the
;; host to place the message with. This one is the smallest that works: a
;; bump allocator whose free releases everything once every block is free,
;; which is the case after each message, since the host frees the message's
;; buffer when process returns. Build: wat2wasm rot13.wat -o rot13.wasm
(module
  (import "bento_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))

  (memory (export "memory") 1)

  ;; The heap starts after the first 1 KiB; $live counts unfreed blocks.
  (global $heap (mut i32) (i32.const 1024))
  (global $live (mut i32) (i32.const 0))

  (func (export "malloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i64) (local $have i64)
    (local.set $ptr (global.get $heap))
    ;; 8-byte aligned end, computed in 64 bits so a huge size cannot wrap.
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
    (if (i32.eqz (local.get $ptr)) (then (return)))
    (global.set $live (i32.sub (global.get $live) (i32.const 1)))
    (if (i32.eqz (global.get $live))
      (then (global.set $heap (i32.const 1024)))))

  (func (export "process")
    (local $msg i64) (local $p i32) (local $end i32) (local $c i32) (local $base i32)
    (local.set $msg (call $as_bytes))
    (local.set $p (i32.wrap_i64 (i64.shr_u (local.get $msg) (i64.const 32))))
    (local.set $end (i32.add (local.get $p) (i32.wrap_i64 (local.get $msg))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $p)))
        ;; Letters only: base is 'a' or 'A', or 0 for anything else.
        (local.set $base
          (if (result i32) (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))
            (then (i32.const 97))
            (else (if (result i32) (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26))
              (then (i32.const 65))
              (else (i32.const 0))))))
        (if (local.get $base)
          (then
            (i32.store8 (local.get $p)
              (i32.add (local.get $base)
                (i32.rem_u (i32.add (i32.sub (local.get $c) (local.get $base)) (i32.const 13))
                           (i32.const 26))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (call $set_bytes
      (i32.wrap_i64 (i64.shr_u (local.get $msg) (i64.const 32)))
      (i32.wrap_i64 (local.get $msg)))))
