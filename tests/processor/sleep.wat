;; Blocks in WASI instead of computing: "process" sleeps 3 s in one
;; poll_oneoff clock subscription, "nap" sleeps 1 ms, "forever" says
;; "sleeping" on stderr and waits on a clock an hour away. The timeout and
;; shutdown tests run these.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovec at 128 -> "sleeping\n" at 144; bytes written at 136
  (data (i32.const 128) "\90\00\00\00\09\00\00\00")
  (data (i32.const 144) "sleeping\n")
  ;; One relative clock subscription (48 bytes at 0), its event at 64, the
  ;; event count at 96. The timeout field is at 24.
  (func $sleep (param $ns i64)
    (i64.store (i32.const 0) (i64.const 7))        ;; userdata
    (i32.store8 (i32.const 8) (i32.const 0))       ;; eventtype clock
    (i32.store (i32.const 16) (i32.const 1))       ;; monotonic
    (i64.store (i32.const 24) (local.get $ns))
    (i64.store (i32.const 32) (i64.const 0))       ;; precision
    (i32.store16 (i32.const 40) (i32.const 0))     ;; relative
    (if (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 96))
      (then unreachable)))
  (func (export "process") (call $sleep (i64.const 3000000000)))
  (func (export "nap") (call $sleep (i64.const 1000000)))
  (func (export "forever")
    (drop (call $write (i32.const 2) (i32.const 128) (i32.const 1) (i32.const 136)))
    (call $sleep (i64.const 3600000000000))))
