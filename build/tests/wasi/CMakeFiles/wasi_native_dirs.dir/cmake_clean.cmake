file(REMOVE_RECURSE
  "CMakeFiles/wasi_native_dirs.dir/guests/dirs.c.o"
  "CMakeFiles/wasi_native_dirs.dir/guests/dirs.c.o.d"
  "wasi_native_dirs"
  "wasi_native_dirs.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/wasi_native_dirs.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
