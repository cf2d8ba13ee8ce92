;; A module built against WASI snapshot 0 ("wasi_unstable"): writes a line,
;; checks snapshot 0's whence numbering on stdout (a pipe or file: any
;; answer but EINVAL), and exits with 7 through proc_exit.
(module
  (import "wasi_unstable" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_unstable" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasi_unstable\n")
  (func (export "_start")
    ;; iovec at 0: buf 16, len 25
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 25))
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
                (i32.const 0))
      (then (call $proc_exit (i32.const 1))))
    (if (i32.ne (call $args_sizes_get (i32.const 64) (i32.const 68)) (i32.const 0))
      (then (call $proc_exit (i32.const 2))))
    ;; argc: the module name plus one argument
    (if (i32.ne (i32.load (i32.const 64)) (i32.const 2))
      (then (call $proc_exit (i32.const 3))))
    (call $proc_exit (i32.const 7))
    unreachable))
