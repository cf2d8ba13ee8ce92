;; The start section never returns (fuzz regression 0002): the processor's
;; timeout must still bound creating the instance.
(module
  (memory (export "memory") 1)
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "process")))
