;; The guest of the "wasi" fuzz target: every WASI function, called with
;; arguments read from memory, where the harness has copied the input.
;;
;; The input is a list of records: a selector byte (taken modulo the number
;; of operations, in the order of the table below), then the chosen
;; function's arguments as they are passed, each i32 in four and each i64
;; in eight little-endian bytes. run(len) executes at most 64 records from
;; memory[0, len); pointers are plain addresses in the one 64 KiB page, so
;; they can aim at bytes of the input (paths, iovecs, subscriptions) or at
;; what earlier calls wrote.
;;
;; Two arguments are bounded here so that a run stays short and small:
;; fd_allocate's length is masked to 1 MiB, and poll_oneoff's clock
;; timeouts to about 1 ms. Four snapshot-0 functions whose layouts differ
;; (wasi_unstable) follow the preview1 ones.
(module
  (import "wasi_snapshot_preview1" "args_get" (func $p1_args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $p1_args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $p1_environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $p1_environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_res_get" (func $p1_clock_res_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $p1_clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_advise" (func $p1_fd_advise (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_allocate" (func $p1_fd_allocate (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $p1_fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_datasync" (func $p1_fd_datasync (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $p1_fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $p1_fd_fdstat_set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_rights" (func $p1_fd_fdstat_set_rights (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $p1_fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $p1_fd_filestat_set_size (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func $p1_fd_filestat_set_times (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $p1_fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $p1_fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $p1_fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $p1_fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $p1_fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $p1_fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $p1_fd_renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $p1_fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_sync" (func $p1_fd_sync (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell" (func $p1_fd_tell (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $p1_fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $p1_path_create_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $p1_path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $p1_path_filestat_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_link" (func $p1_path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $p1_path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink" (func $p1_path_readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory" (func $p1_path_remove_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $p1_path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $p1_path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $p1_path_unlink_file (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $p1_poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $p1_proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "proc_raise" (func $p1_proc_raise (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $p1_sched_yield (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $p1_random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $p1_sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $p1_sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $p1_sock_send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $p1_sock_shutdown (param i32 i32) (result i32)))
  (import "wasi_unstable" "fd_filestat_get" (func $p0_fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_unstable" "fd_seek" (func $p0_fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_unstable" "path_filestat_get" (func $p0_path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "poll_oneoff" (func $p0_poll_oneoff (param i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1 1)
  (global $errno (mut i32) (i32.const 0))
  (type $op (func (param i32) (result i32)))

  ;; Clock subscriptions wait at most about a millisecond: the timeout of
  ;; each of the first nsubs subscriptions that lie inside memory is masked
  ;; (whatever its type: for fd subscriptions the bytes are unused).
  (func $tame (param $in i32) (param $nsubs i32) (param $size i32) (param $at i32)
    (local $i i32) (local $q i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $nsubs)))
        (local.set $q (i64.add (i64.extend_i32_u (local.get $in))
          (i64.mul (i64.extend_i32_u (local.get $i)) (i64.extend_i32_u (local.get $size)))))
        (br_if $done (i64.gt_u (i64.add (local.get $q) (i64.extend_i32_u (local.get $size)))
                               (i64.const 65536)))
        (i64.store align=1 (i32.add (i32.wrap_i64 (local.get $q)) (local.get $at))
          (i64.and (i64.load align=1 (i32.add (i32.wrap_i64 (local.get $q)) (local.get $at)))
                   (i64.const 0xfffff)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  (func $w_p1_args_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_args_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_args_sizes_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_args_sizes_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_environ_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_environ_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_environ_sizes_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_environ_sizes_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_clock_res_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_clock_res_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_clock_time_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_clock_time_get
      (i32.load offset=0 align=1 (local.get $p))
      (i64.load offset=4 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))))
    (i32.const 16))
  (func $w_p1_fd_advise (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_advise
      (i32.load offset=0 align=1 (local.get $p))
      (i64.load offset=4 align=1 (local.get $p))
      (i64.load offset=12 align=1 (local.get $p))
      (i32.load offset=20 align=1 (local.get $p))))
    (i32.const 24))
  (func $w_p1_fd_allocate (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_allocate
      (i32.load offset=0 align=1 (local.get $p))
      (i64.load offset=4 align=1 (local.get $p))
      (i64.and (i64.load offset=12 align=1 (local.get $p)) (i64.const 0xfffff))))
    (i32.const 20))
  (func $w_p1_fd_close (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_close
      (i32.load offset=0 align=1 (local.get $p))))
    (i32.const 4))
  (func $w_p1_fd_datasync (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_datasync
      (i32.load offset=0 align=1 (local.get $p))))
    (i32.const 4))
  (func $w_p1_fd_fdstat_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_fdstat_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_fd_fdstat_set_flags (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_fdstat_set_flags
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_fd_fdstat_set_rights (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_fdstat_set_rights
      (i32.load offset=0 align=1 (local.get $p))
      (i64.load offset=4 align=1 (local.get $p))
      (i64.load offset=12 align=1 (local.get $p))))
    (i32.const 20))
  (func $w_p1_fd_filestat_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_filestat_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_fd_filestat_set_size (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_filestat_set_size
      (i32.load offset=0 align=1 (local.get $p))
      (i64.load offset=4 align=1 (local.get $p))))
    (i32.const 12))
  (func $w_p1_fd_filestat_set_times (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_filestat_set_times
      (i32.load offset=0 align=1 (local.get $p))
      (i64.load offset=4 align=1 (local.get $p))
      (i64.load offset=12 align=1 (local.get $p))
      (i32.load offset=20 align=1 (local.get $p))))
    (i32.const 24))
  (func $w_p1_fd_pread (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_pread
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i64.load offset=12 align=1 (local.get $p))
      (i32.load offset=20 align=1 (local.get $p))))
    (i32.const 24))
  (func $w_p1_fd_prestat_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_prestat_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_fd_prestat_dir_name (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_prestat_dir_name
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))))
    (i32.const 12))
  (func $w_p1_fd_pwrite (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_pwrite
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i64.load offset=12 align=1 (local.get $p))
      (i32.load offset=20 align=1 (local.get $p))))
    (i32.const 24))
  (func $w_p1_fd_read (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_read
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))))
    (i32.const 16))
  (func $w_p1_fd_readdir (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_readdir
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i64.load offset=12 align=1 (local.get $p))
      (i32.load offset=20 align=1 (local.get $p))))
    (i32.const 24))
  (func $w_p1_fd_renumber (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_renumber
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_fd_seek (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_seek
      (i32.load offset=0 align=1 (local.get $p))
      (i64.load offset=4 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))))
    (i32.const 20))
  (func $w_p1_fd_sync (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_sync
      (i32.load offset=0 align=1 (local.get $p))))
    (i32.const 4))
  (func $w_p1_fd_tell (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_tell
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_fd_write (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_fd_write
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))))
    (i32.const 16))
  (func $w_p1_path_create_directory (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_path_create_directory
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))))
    (i32.const 12))
  (func $w_p1_path_filestat_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_path_filestat_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))))
    (i32.const 20))
  (func $w_p1_path_filestat_set_times (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_path_filestat_set_times
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i64.load offset=16 align=1 (local.get $p))
      (i64.load offset=24 align=1 (local.get $p))
      (i32.load offset=32 align=1 (local.get $p))))
    (i32.const 36))
  (func $w_p1_path_link (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_path_link
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))
      (i32.load offset=20 align=1 (local.get $p))
      (i32.load offset=24 align=1 (local.get $p))))
    (i32.const 28))
  (func $w_p1_path_open (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_path_open
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))
      (i64.load offset=20 align=1 (local.get $p))
      (i64.load offset=28 align=1 (local.get $p))
      (i32.load offset=36 align=1 (local.get $p))
      (i32.load offset=40 align=1 (local.get $p))))
    (i32.const 44))
  (func $w_p1_path_readlink (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_path_readlink
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))
      (i32.load offset=20 align=1 (local.get $p))))
    (i32.const 24))
  (func $w_p1_path_remove_directory (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_path_remove_directory
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))))
    (i32.const 12))
  (func $w_p1_path_rename (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_path_rename
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))
      (i32.load offset=20 align=1 (local.get $p))))
    (i32.const 24))
  (func $w_p1_path_symlink (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_path_symlink
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))))
    (i32.const 20))
  (func $w_p1_path_unlink_file (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_path_unlink_file
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))))
    (i32.const 12))
  (func $w_p1_poll_oneoff (type $op) (param $p i32) (result i32)
    (call $tame (i32.load offset=0 align=1 (local.get $p))
                (i32.load offset=8 align=1 (local.get $p)) (i32.const 48) (i32.const 24))
    (global.set $errno (call $p1_poll_oneoff
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))))
    (i32.const 16))
  (func $w_p1_proc_exit (type $op) (param $p i32) (result i32)
    (call $p1_proc_exit
      (i32.load offset=0 align=1 (local.get $p)))
    (i32.const 4))
  (func $w_p1_proc_raise (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_proc_raise
      (i32.load offset=0 align=1 (local.get $p))))
    (i32.const 4))
  (func $w_p1_sched_yield (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_sched_yield))
    (i32.const 0))
  (func $w_p1_random_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_random_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p1_sock_accept (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_sock_accept
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))))
    (i32.const 12))
  (func $w_p1_sock_recv (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_sock_recv
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))
      (i32.load offset=20 align=1 (local.get $p))))
    (i32.const 24))
  (func $w_p1_sock_send (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_sock_send
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))))
    (i32.const 20))
  (func $w_p1_sock_shutdown (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p1_sock_shutdown
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p0_fd_filestat_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p0_fd_filestat_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))))
    (i32.const 8))
  (func $w_p0_fd_seek (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p0_fd_seek
      (i32.load offset=0 align=1 (local.get $p))
      (i64.load offset=4 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))))
    (i32.const 20))
  (func $w_p0_path_filestat_get (type $op) (param $p i32) (result i32)
    (global.set $errno (call $p0_path_filestat_get
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))
      (i32.load offset=16 align=1 (local.get $p))))
    (i32.const 20))
  (func $w_p0_poll_oneoff (type $op) (param $p i32) (result i32)
    (call $tame (i32.load offset=0 align=1 (local.get $p))
                (i32.load offset=8 align=1 (local.get $p)) (i32.const 56) (i32.const 32))
    (global.set $errno (call $p0_poll_oneoff
      (i32.load offset=0 align=1 (local.get $p))
      (i32.load offset=4 align=1 (local.get $p))
      (i32.load offset=8 align=1 (local.get $p))
      (i32.load offset=12 align=1 (local.get $p))))
    (i32.const 16))

  (table 50 funcref)
  (elem (i32.const 0)
    $w_p1_args_get $w_p1_args_sizes_get $w_p1_environ_get $w_p1_environ_sizes_get
    $w_p1_clock_res_get $w_p1_clock_time_get $w_p1_fd_advise $w_p1_fd_allocate
    $w_p1_fd_close $w_p1_fd_datasync $w_p1_fd_fdstat_get $w_p1_fd_fdstat_set_flags
    $w_p1_fd_fdstat_set_rights $w_p1_fd_filestat_get $w_p1_fd_filestat_set_size $w_p1_fd_filestat_set_times
    $w_p1_fd_pread $w_p1_fd_prestat_get $w_p1_fd_prestat_dir_name $w_p1_fd_pwrite
    $w_p1_fd_read $w_p1_fd_readdir $w_p1_fd_renumber $w_p1_fd_seek
    $w_p1_fd_sync $w_p1_fd_tell $w_p1_fd_write $w_p1_path_create_directory
    $w_p1_path_filestat_get $w_p1_path_filestat_set_times $w_p1_path_link $w_p1_path_open
    $w_p1_path_readlink $w_p1_path_remove_directory $w_p1_path_rename $w_p1_path_symlink
    $w_p1_path_unlink_file $w_p1_poll_oneoff $w_p1_proc_exit $w_p1_proc_raise
    $w_p1_sched_yield $w_p1_random_get $w_p1_sock_accept $w_p1_sock_recv
    $w_p1_sock_send $w_p1_sock_shutdown $w_p0_fd_filestat_get $w_p0_fd_seek
    $w_p0_path_filestat_get $w_p0_poll_oneoff
  )

  ;; Runs the records in memory[0, len), at most 64 of them. The errno of
  ;; call n is stored as a u16 at 65408 + 2n (the last 128 bytes of memory),
  ;; for the harness to show.
  (func (export "run") (param $len i32)
    (local $p i32) (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $n) (i32.const 64)))
        (br_if $done (i32.ge_u (local.get $p) (local.get $len)))
        (global.set $errno (i32.const 0xffff))
        (local.set $p (i32.add (i32.add (local.get $p) (i32.const 1))
          (call_indirect (type $op) (i32.add (local.get $p) (i32.const 1))
            (i32.rem_u (i32.load8_u (local.get $p)) (i32.const 50)))))
        (i32.store16 (i32.add (i32.const 65408) (i32.shl (local.get $n) (i32.const 1)))
                     (global.get $errno))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next))))
)
