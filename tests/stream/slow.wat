;; A slowish processor for the broker restart test: a loop per message,
;; the message left as it is, so that messages are still in flight
;; when the broker stops.
(module
  (memory (export "memory") 1)
  (func (export "malloc") (param $n i32) (result i32) (i32.const 1024))
  (func (export "free") (param $p i32))
  (func (export "process")
    (local $i i32)
    (local.set $i (i32.const 50000))
    (loop $spin
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $spin (local.get $i)))))
