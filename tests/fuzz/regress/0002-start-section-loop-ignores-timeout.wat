;; Fixed: wp_instance_config.interrupt takes an interrupt handle
;; (wp_interrupt) made before the instance, which stops the start function
;; while wp_instance_create runs it; the processor's watchdog and the
;; module target's use one. The .wasm beside this file is built from it
;; and replayed by the module target. The report as found:
;;
;; A start section that never returns hangs wp_instance_create for good:
;; the instance does not exist yet, so nothing can wp_instance_interrupt
;; it. The processor's timeout bounds _initialize and each message, not
;; the start section, so
;;
;;   wat2wasm 0002-start-section-loop-ignores-timeout.wat -o /tmp/loop.wasm
;;   echo x | wasmpipe process --module /tmp/loop.wasm --timeout 100ms
;;
;; never returned (nor did wp_processor_create, nor a pool that grows while
;; processing).
(module
  (memory (export "memory") 1)
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "process")))
