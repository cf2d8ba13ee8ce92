;; The allocate/deallocate convention, with malloc and free exported too:
;; the host must place in-bound bytes with allocate and release them with
;; deallocate (never free), and deallocate every out-bound buffer. Counters
;; at 256: allocates, deallocates, mallocs, frees, bytes allocated, bytes
;; deallocated. A message that starts with '?' makes any function report
;; them as 24 bytes (from a static buffer) as they are during the call.
(module
  (import "benthos_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (import "benthos_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (import "benthos_wasm" "v0_msg_get_meta" (func $get_meta (param i32 i32) (result i64)))
  (import "benthos_wasm" "v0_msg_set_meta" (func $set_meta (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 512) "greetinglength")
  (global $heap (mut i32) (i32.const 4096))
  (global $allocs (mut i32) (i32.const 0))
  (global $deallocs (mut i32) (i32.const 0))
  (global $mallocs (mut i32) (i32.const 0))
  (global $frees (mut i32) (i32.const 0))
  (global $abytes (mut i32) (i32.const 0))
  (global $dbytes (mut i32) (i32.const 0))

  ;; Never reuses memory: simple, and any double release is still counted.
  (func $bump (param $size i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr (global.get $heap))
    (local.set $end (i32.and (i32.add (i32.add (local.get $ptr) (local.get $size)) (i32.const 7))
                             (i32.const -8)))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then (if (i32.lt_s (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end)
                    (i32.shl (memory.size) (i32.const 16))) (i32.const 16)) (i32.const 1)))
                          (i32.const 0))
              (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (local.get $ptr))
  (func $allocate (export "allocate") (param $size i32) (result i32)
    (global.set $allocs (i32.add (global.get $allocs) (i32.const 1)))
    (global.set $abytes (i32.add (global.get $abytes) (local.get $size)))
    (call $bump (local.get $size)))
  (func (export "deallocate") (param $ptr i32) (param $size i32)
    (global.set $deallocs (i32.add (global.get $deallocs) (i32.const 1)))
    (global.set $dbytes (i32.add (global.get $dbytes) (local.get $size))))
  (func (export "malloc") (param $size i32) (result i32)
    (global.set $mallocs (i32.add (global.get $mallocs) (i32.const 1)))
    (call $bump (local.get $size)))
  (func (export "free") (param $ptr i32)
    (global.set $frees (i32.add (global.get $frees) (i32.const 1))))

  ;; Reads the message (one in-bound buffer); 1 if it was "?" and the
  ;; counters were reported.
  (func $maybe_report (result i32)
    (local $m i64)
    (local.set $m (call $as_bytes))
    (if (i32.and (i32.ne (i32.wrap_i64 (local.get $m)) (i32.const 0))
                 (i32.eq (i32.load8_u (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32))))
                         (i32.const 63)))
      (then
        (i32.store (i32.const 256) (global.get $allocs))
        (i32.store (i32.const 260) (global.get $deallocs))
        (i32.store (i32.const 264) (global.get $mallocs))
        (i32.store (i32.const 268) (global.get $frees))
        (i32.store (i32.const 272) (global.get $abytes))
        (i32.store (i32.const 276) (global.get $dbytes))
        (call $set_bytes (i32.const 256) (i32.const 24))
        (return (i32.const 1))))
    (i32.const 0))

  ;; Copies the message into a buffer from allocate and hands it over.
  (func (export "process")
    (local $m i64) (local $n i32) (local $out i32)
    (if (call $maybe_report) (then (return)))
    (local.set $m (call $as_bytes))
    (local.set $n (i32.wrap_i64 (local.get $m)))
    (local.set $out (call $allocate (local.get $n)))
    (memory.copy (local.get $out) (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32)))
                 (local.get $n))
    (call $set_bytes (local.get $out) (local.get $n)))
  ;; get_meta("greeting") with the key in an allocate buffer (the host
  ;; deallocates it), then set_meta("length", value) with both in fresh
  ;; allocate buffers (the host deallocates both).
  (func (export "meta")
    (local $k i32) (local $v i64) (local $k2 i32) (local $v2 i32) (local $n i32)
    (if (call $maybe_report) (then (return)))
    (local.set $k (call $allocate (i32.const 8)))
    (memory.copy (local.get $k) (i32.const 512) (i32.const 8))
    (local.set $v (call $get_meta (local.get $k) (i32.const 8)))
    (local.set $n (i32.wrap_i64 (local.get $v)))
    (local.set $k2 (call $allocate (i32.const 6)))
    (memory.copy (local.get $k2) (i32.const 520) (i32.const 6))
    (local.set $v2 (call $allocate (local.get $n)))
    (memory.copy (local.get $v2) (i32.wrap_i64 (i64.shr_u (local.get $v) (i64.const 32)))
                 (local.get $n))
    (call $set_meta (local.get $k2) (i32.const 6) (local.get $v2) (local.get $n))))
