;; Uppercases each message, with behaviours chosen by the first byte:
;;   '!'  traps (unreachable) after changing the message
;;   '~'  loops forever (timeouts)
;;   '+'  grows memory one page at a time until it cannot, then reports the
;;        size in pages as 4 bytes
(module
  (import "bento_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (global $live (mut i32) (i32.const 0))
  (func (export "malloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i64) (local $have i64)
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
    (if (i32.eqz (local.get $ptr)) (then (return)))
    (global.set $live (i32.sub (global.get $live) (i32.const 1)))
    (if (i32.eqz (global.get $live)) (then (global.set $heap (i32.const 1024)))))
  (func (export "process")
    (local $m i64) (local $p i32) (local $end i32) (local $c i32)
    (local.set $m (call $as_bytes))
    (local.set $p (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32))))
    (local.set $end (i32.add (local.get $p) (i32.wrap_i64 (local.get $m))))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.eq (local.get $c) (i32.const 126))   ;; '~'
          (then (loop $forever (br $forever))))
        (if (i32.eq (local.get $c) (i32.const 43))    ;; '+'
          (then
            (block $full (loop $more
              (br_if $full (i32.lt_s (memory.grow (i32.const 1)) (i32.const 0)))
              (br $more)))
            (i32.store (i32.const 0) (memory.size))
            (call $set_bytes (i32.const 0) (i32.const 4))
            (return)))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))
          (then (i32.store8 (local.get $p) (i32.sub (local.get $c) (i32.const 32)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (call $set_bytes (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32)))
                     (i32.wrap_i64 (local.get $m)))
    (if (i32.eq (i32.load8_u (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32))))
                (i32.const 33))                      ;; '!'
      (then (unreachable)))))
