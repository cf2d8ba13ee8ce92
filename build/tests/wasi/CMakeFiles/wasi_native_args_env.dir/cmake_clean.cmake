file(REMOVE_RECURSE
  "CMakeFiles/wasi_native_args_env.dir/guests/args_env.c.o"
  "CMakeFiles/wasi_native_args_env.dir/guests/args_env.c.o.d"
  "wasi_native_args_env"
  "wasi_native_args_env.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/wasi_native_args_env.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
