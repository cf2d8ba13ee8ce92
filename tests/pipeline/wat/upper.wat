;; A guest for the pipeline tests, in the malloc/free convention.
;;   process:  uppercases ASCII letters; a message starting with "!" traps
;;             (unreachable), one starting with "~" loops forever (for
;;             timeouts), one starting with "#" gets metadata seen=yes.
;;   identity: leaves the message as it is.
;; The allocator bumps a pointer and starts over when every block is free,
;; which is all one message at a time needs.
(module
  (import "bento_wasm" "v0_msg_as_bytes" (func $as_bytes (result i64)))
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (import "bento_wasm" "v0_msg_set_meta" (func $set_meta (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "seenyes")
  (global $heap (mut i32) (i32.const 1024))
  (global $live (mut i32) (i32.const 0))

  (func $malloc (export "malloc") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.add (local.get $p)
                             (i32.and (i32.add (local.get $n) (i32.const 15)) (i32.const -16))))
    (local.set $have (i32.mul (memory.size) (i32.const 65536)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (local.get $have))
                                                     (i32.const 16))
                                          (i32.const 1)))
                    (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (global.set $live (i32.add (global.get $live) (i32.const 1)))
    (local.get $p))

  (func (export "free") (param $p i32)
    (if (i32.eqz (local.get $p)) (then (return)))
    (global.set $live (i32.sub (global.get $live) (i32.const 1)))
    (if (i32.le_s (global.get $live) (i32.const 0))
      (then (global.set $live (i32.const 0))
            (global.set $heap (i32.const 1024)))))

  (func (export "process")
    (local $r i64) (local $p i32) (local $n i32) (local $i i32) (local $c i32)
    (local.set $r (call $as_bytes))
    (local.set $p (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
    (local.set $n (i32.wrap_i64 (local.get $r)))
    (if (i32.gt_u (local.get $n) (i32.const 0))
      (then
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.eq (local.get $c) (i32.const 33)) (then unreachable))       ;; "!"
        (if (i32.eq (local.get $c) (i32.const 126)) (then (loop $forever (br $forever))))  ;; "~"
        (if (i32.eq (local.get $c) (i32.const 35))                           ;; "#"
          (then (call $set_meta (i32.const 16) (i32.const 4) (i32.const 20) (i32.const 3))))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
          (then (i32.store8 (i32.add (local.get $p) (local.get $i))
                            (i32.sub (local.get $c) (i32.const 32)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $set_bytes (local.get $p) (local.get $n)))

  (func (export "identity"))
)
