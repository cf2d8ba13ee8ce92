;; Sets many metadata keys on one message: "set_1k", "set_100k" and
;; "set_400k" each set that many distinct 5-byte keys ("k" and the key's
;; number as 4 little-endian bytes) to the value "v", and then read every
;; one of them back with get_meta ("get_" variants), which must return "v".
;; Each get result is checked in the guest, which traps on a wrong value.
(module
  (import "bento_wasm" "v0_msg_set_meta" (func $set_meta (param i32 i32 i32 i32)))
  (import "bento_wasm" "v0_msg_get_meta" (func $get_meta (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "k")
  (data (i32.const 32) "v")
  (global $heap (mut i32) (i32.const 1024))

  ;; A bump allocator that starts over for every call of $run.
  (func (export "malloc") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (i32.and (i32.add (local.get $size) (i32.const 7)) (i32.const -8))))
    (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
      (then (if (i32.lt_s (memory.grow (i32.const 1)) (i32.const 0)) (then unreachable))))
    (local.get $p))
  (func (export "free") (param i32))

  (func $run (param $n i32) (param $get i32)
    (local $i i32) (local $r i64)
    (loop $set
      (i32.store (i32.const 17) (local.get $i))
      (call $set_meta (i32.const 16) (i32.const 5) (i32.const 32) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $set (i32.lt_u (local.get $i) (local.get $n))))
    (if (i32.eqz (local.get $get)) (then (return)))
    (local.set $i (i32.const 0))
    (loop $check
      (global.set $heap (i32.const 1024))
      (i32.store (i32.const 17) (local.get $i))
      (local.set $r (call $get_meta (i32.const 16) (i32.const 5)))
      ;; length 1, and the byte is 'v'
      (if (i64.ne (i64.and (local.get $r) (i64.const 0xffffffff)) (i64.const 1)) (then unreachable))
      (if (i32.ne (i32.load8_u (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32)))) (i32.const 0x76))
        (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $check (i32.lt_u (local.get $i) (local.get $n)))))

  (func (export "set_1k") (call $run (i32.const 1000) (i32.const 0)))
  (func (export "set_100k") (call $run (i32.const 100000) (i32.const 0)))
  (func (export "set_400k") (call $run (i32.const 400000) (i32.const 0)))
  (func (export "get_1k") (call $run (i32.const 1000) (i32.const 1)))
  (func (export "get_400k") (call $run (i32.const 400000) (i32.const 1))))
