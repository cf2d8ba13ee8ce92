file(REMOVE_RECURSE
  "CMakeFiles/wasi_native_clocks.dir/guests/clocks.c.o"
  "CMakeFiles/wasi_native_clocks.dir/guests/clocks.c.o.d"
  "wasi_native_clocks"
  "wasi_native_clocks.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/wasi_native_clocks.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
