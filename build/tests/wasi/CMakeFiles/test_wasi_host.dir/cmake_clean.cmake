file(REMOVE_RECURSE
  "CMakeFiles/test_wasi_host.dir/test_wasi_host.c.o"
  "CMakeFiles/test_wasi_host.dir/test_wasi_host.c.o.d"
  "test_wasi_host"
  "test_wasi_host.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_wasi_host.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
