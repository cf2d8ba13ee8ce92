file(REMOVE_RECURSE
  "CMakeFiles/wasi_native_files.dir/guests/files.c.o"
  "CMakeFiles/wasi_native_files.dir/guests/files.c.o.d"
  "wasi_native_files"
  "wasi_native_files.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/wasi_native_files.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
