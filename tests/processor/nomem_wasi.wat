;; WASI calls that allocate on the host, for test_nomem: a path walked
;; through a directory and a symbolic link (path resolution), a new
;; descriptor (the table grows), and poll_oneoff (its subscription
;; arrays). "run" returns the first nonzero errno, or 0. The test makes
;; the directory preopened as fd 3: sub/file.txt and link -> sub.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))

  (memory (export "memory") 1)
  (data (i32.const 100) "sub/file.txt")
  (data (i32.const 120) "link/file.txt")
  ;; Two relative clock subscriptions with a timeout of 0 (tag 0 at +8,
  ;; clock id 1 at +16, timeout 0 at +24).
  (data (i32.const 1024) "\01\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01")
  (data (i32.const 1072) "\02\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01")

  ;; Opens path (ptr, len) under fd 3 for reading and closes it.
  (func $open_close (param $ptr i32) (param $len i32) (result i32)
    (local $e i32)
    (local.set $e (call $path_open (i32.const 3) (i32.const 1) (local.get $ptr) (local.get $len)
                                   (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0)
                                   (i32.const 200)))
    (if (local.get $e) (then (return (local.get $e))))
    (call $fd_close (i32.load (i32.const 200))))

  (func (export "run") (result i32)
    (local $e i32)
    (local.set $e (call $args_sizes_get (i32.const 300) (i32.const 304)))
    (if (local.get $e) (then (return (local.get $e))))
    (local.set $e (call $open_close (i32.const 100) (i32.const 12)))
    (if (local.get $e) (then (return (local.get $e))))
    (local.set $e (call $open_close (i32.const 120) (i32.const 13)))
    (if (local.get $e) (then (return (local.get $e))))
    (local.set $e (call $poll_oneoff (i32.const 1024) (i32.const 2048) (i32.const 2) (i32.const 308)))
    (if (local.get $e) (then (return (local.get $e))))
    (if (i32.ne (i32.load (i32.const 308)) (i32.const 2)) (then (return (i32.const 1000))))
    (i32.const 0)))
