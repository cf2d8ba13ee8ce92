file(REMOVE_RECURSE
  "CMakeFiles/wasi_native_exit_code.dir/guests/exit_code.c.o"
  "CMakeFiles/wasi_native_exit_code.dir/guests/exit_code.c.o.d"
  "wasi_native_exit_code"
  "wasi_native_exit_code.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/wasi_native_exit_code.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
