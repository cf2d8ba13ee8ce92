;; A start section that never returns hangs wp_instance_create for good:
;; the instance does not exist yet, so nothing can wp_instance_interrupt
;; it. The processor's timeout bounds _initialize and each message, not
;; the start section, so
;;
;;   wat2wasm 0002-start-section-loop-ignores-timeout.wat -o /tmp/loop.wasm
;;   echo x | wasmpipe process --module /tmp/loop.wasm --timeout 100ms
;;
;; never returns (nor does wp_processor_create, nor a pool that grows while
;; processing). Kept as WAT, not replayed by CTest: it hangs rather than
;; crashes, and the module target instantiates modules without their start
;; section for this reason.
(module
  (memory (export "memory") 1)
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "process")))
