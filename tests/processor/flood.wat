;; A guest that floods its output: "process" writes 1024 lines of 1023
;; bytes and a newline (1 MiB) to stdout, and "errflood" the same to
;; stderr. Initialisation writes one short line.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovec at 16: {1024, 1024}; the line at 1024..2047
  (data (i32.const 16) "\00\04\00\00\00\04\00\00")
  (data (i32.const 64) "\50\00\00\00\06\00\00\00")   ;; iovec {80, 6}
  (data (i32.const 80) "ready\n")
  (func $fill
    (memory.fill (i32.const 1024) (i32.const 0x78) (i32.const 1023))
    (i32.store8 (i32.const 2047) (i32.const 10)))
  (func $flood (param $fd i32)
    (local $i i32)
    (call $fill)
    (loop $more
      (drop (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 1024)))))
  (func (export "_initialize")
    (drop (call $fd_write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 8))))
  (func (export "process") (call $flood (i32.const 1)))
  (func (export "errflood") (call $flood (i32.const 2))))
