file(REMOVE_RECURSE
  "CMakeFiles/wasi_native_random.dir/guests/random.c.o"
  "CMakeFiles/wasi_native_random.dir/guests/random.c.o.d"
  "wasi_native_random"
  "wasi_native_random.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/wasi_native_random.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
