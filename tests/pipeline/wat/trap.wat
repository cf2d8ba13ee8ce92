;; Traps three calls deep (go -> middle -> inner: divide by zero) and 41 calls
;; deep (deep -> down x 40 -> unreachable), for the stack exec_stack_test.sh
;; expects; built with --debug-names so the frames have names.
(module
  (func $inner (param i32) (result i32)
    i32.const 1
    local.get 0
    i32.div_s)
  (func $middle (param i32) (result i32)
    local.get 0
    call $inner)
  (func $go (export "go") (result i32)
    i32.const 0
    call $middle)
  (func $down (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      unreachable
    else
      local.get 0
      i32.const 1
      i32.sub
      call $down
    end)
  (func (export "deep") (result i32)
    i32.const 40
    call $down))
