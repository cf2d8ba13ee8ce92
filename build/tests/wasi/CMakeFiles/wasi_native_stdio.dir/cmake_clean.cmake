file(REMOVE_RECURSE
  "CMakeFiles/wasi_native_stdio.dir/guests/stdio.c.o"
  "CMakeFiles/wasi_native_stdio.dir/guests/stdio.c.o.d"
  "wasi_native_stdio"
  "wasi_native_stdio.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/wasi_native_stdio.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
