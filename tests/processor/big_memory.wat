;; Needs 3 pages at start: more than a max_memory of 2 pages allows.
(module
  (memory 3)
  (func (export "process")))
