;; A command whose _start ends with proc_exit(0), as TinyGo's do: the
;; instance stays usable. process reports whether _start ran.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "bento_wasm" "v0_msg_set_bytes" (func $set_bytes (param i32 i32)))
  (memory 1)
  (data (i32.const 0) "not started")
  (data (i32.const 16) "started")
  (global $started (mut i32) (i32.const 0))
  (func (export "_start") (global.set $started (i32.const 1)) (call $exit (i32.const 0)))
  (func (export "process")
    (if (global.get $started)
      (then (call $set_bytes (i32.const 16) (i32.const 7)))
      (else (call $set_bytes (i32.const 0) (i32.const 11))))))
