file(REMOVE_RECURSE
  "CMakeFiles/wasi_guests"
  "guests/args_env.wasm"
  "guests/clocks.wasm"
  "guests/dirs.wasm"
  "guests/escape.wasm"
  "guests/exit_code.wasm"
  "guests/files.wasm"
  "guests/random.wasm"
  "guests/reactor.wasm"
  "guests/rust_std.wasm"
  "guests/stdio.wasm"
  "guests/unstable.wasm"
)

# Per-language clean rules from dependency scanning.
foreach(lang )
  include(CMakeFiles/wasi_guests.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
