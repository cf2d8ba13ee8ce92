;; The guest of the "host" fuzz target: its process() runs a little program
;; taken from the message itself, so that the fuzzer chooses every pointer
;; and length the processor's host functions receive.
;;
;; The message is a list of 17-byte records: an op byte, then four
;; little-endian u32 arguments a, b, c, d. The op byte's low four bits pick
;; the operation; bit 7 adds the message's own address in guest memory to a,
;; bit 6 adds it to c and bit 5 to d (so that pointers can aim into the
;; message, where the fuzzer controls the bytes); bit 4 hands the (ptr, len)
;; that an op returns to v0_msg_set_bytes. At most 64 records run.
;;
;;   0 set_bytes(a, b)        6 allocator mode = a (see malloc and free)
;;   1 get_meta(a, b)         7 memory.copy(a, c, b & 0xffff)
;;   2 set_meta(a, b, c, d)   8 unreachable
;;   3 as_bytes()             9 i32.store(a, b)
;;   4 memory.grow(a & 15)   10 proc_exit(a & 255)
;;   5 the next (b & 7) mallocs return a, whatever was asked
;;  11 fd_write(a & 3, c, b & 15, d)
;;
;; malloc (or allocate) is a bump allocator from 4096 that grows memory;
;; free (or deallocate) does nothing. Allocator mode bits: 1 = malloc calls
;; v0_msg_as_bytes first, 2 = free calls v0_msg_set_bytes(0, 0) first, 4 =
;; malloc traps. Every process() starts with the heap, the mode and the
;; override reset.
(module
  (import "bento_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (import "bento_wasm" "v0_msg_get_meta" (func $get_meta (param i32 i32) (result i64)))
  (import "bento_wasm" "v0_msg_set_meta" (func $set_meta (param i32 i32 i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  (memory (export "memory") 1)

  (global $heap (mut i32) (i32.const 4096))
  (global $mode (mut i32) (i32.const 0))
  (global $ovr_ptr (mut i32) (i32.const 0))
  (global $ovr_count (mut i32) (i32.const 0))

  ;; The allocator exports. The build also makes host_dealloc.wasm from this
  ;; file with this line replaced by the allocate/deallocate pair, so that
  ;; both conventions of the processor are fuzzed.
  (export "malloc" (func $malloc)) (export "free" (func $free))

  (func $malloc (param $size i32) (result i32)
    (local $ptr i32) (local $end i64) (local $have i64)
    (if (i32.and (global.get $mode) (i32.const 4)) (then (unreachable)))
    (if (i32.and (global.get $mode) (i32.const 1)) (then (drop (call $as_bytes))))
    (if (global.get $ovr_count)
      (then
        (global.set $ovr_count (i32.sub (global.get $ovr_count) (i32.const 1)))
        (return (global.get $ovr_ptr))))
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
    (local.get $ptr))

  (func $free (param $ptr i32)
    (if (i32.and (global.get $mode) (i32.const 2))
      (then (call $set_bytes (i32.const 0) (i32.const 0)))))

  (func $deallocate (param $ptr i32) (param $size i32)
    (call $free (local.get $ptr)))

  (func $hand_back (param $r i64)
    (call $set_bytes (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32)))
                     (i32.wrap_i64 (local.get $r))))

  (func (export "process")
    (local $m i64) (local $p i32) (local $end i32) (local $n i32)
    (local $op i32) (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $r i64)
    (global.set $heap (i32.const 4096))
    (global.set $mode (i32.const 0))
    (global.set $ovr_count (i32.const 0))
    (local.set $m (call $as_bytes))
    (local.set $p (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32))))
    (local.set $end (i32.add (local.get $p) (i32.wrap_i64 (local.get $m))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $n) (i32.const 64)))
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 17)) (local.get $end)))
        (local.set $op (i32.load8_u (local.get $p)))
        (local.set $a (i32.load offset=1 align=1 (local.get $p)))
        (local.set $b (i32.load offset=5 align=1 (local.get $p)))
        (local.set $c (i32.load offset=9 align=1 (local.get $p)))
        (local.set $d (i32.load offset=13 align=1 (local.get $p)))
        ;; The base is the message's address, not this record's.
        (if (i32.and (local.get $op) (i32.const 0x80))
          (then (local.set $a (i32.add (local.get $a)
                  (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32)))))))
        (if (i32.and (local.get $op) (i32.const 0x40))
          (then (local.set $c (i32.add (local.get $c)
                  (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32)))))))
        (if (i32.and (local.get $op) (i32.const 0x20))
          (then (local.set $d (i32.add (local.get $d)
                  (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32)))))))
        (local.set $r (i64.const -1))
        (block $op_done
          (block $b11 (block $b10 (block $b9 (block $b8 (block $b7 (block $b6
          (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
            (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 $b10 $b11 $op_done
              (i32.and (local.get $op) (i32.const 15))))
            ;; 0
            (call $set_bytes (local.get $a) (local.get $b))
            (br $op_done))
            ;; 1
            (local.set $r (call $get_meta (local.get $a) (local.get $b)))
            (br $op_done))
            ;; 2
            (call $set_meta (local.get $a) (local.get $b) (local.get $c) (local.get $d))
            (br $op_done))
            ;; 3
            (local.set $r (call $as_bytes))
            (br $op_done))
            ;; 4
            (drop (memory.grow (i32.and (local.get $a) (i32.const 15))))
            (br $op_done))
            ;; 5
            (global.set $ovr_ptr (local.get $a))
            (global.set $ovr_count (i32.and (local.get $b) (i32.const 7)))
            (br $op_done))
            ;; 6
            (global.set $mode (local.get $a))
            (br $op_done))
            ;; 7
            (memory.copy (local.get $a) (local.get $c)
                         (i32.and (local.get $b) (i32.const 0xffff)))
            (br $op_done))
            ;; 8
            (unreachable))
            ;; 9
            (i32.store (local.get $a) (local.get $b))
            (br $op_done))
            ;; 10
            (call $proc_exit (i32.and (local.get $a) (i32.const 255)))
            (br $op_done))
          ;; 11
          (drop (call $fd_write (i32.and (local.get $a) (i32.const 3)) (local.get $c)
                                (i32.and (local.get $b) (i32.const 15)) (local.get $d))))
        (if (i32.and (i32.and (local.get $op) (i32.const 0x10))
                     (i64.ne (local.get $r) (i64.const -1)))
          (then (call $hand_back (local.get $r))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 17)))
        (br $next)))))
