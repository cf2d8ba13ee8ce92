file(REMOVE_RECURSE
  "CMakeFiles/test_interp.dir/runtime/test_interp.c.o"
  "CMakeFiles/test_interp.dir/runtime/test_interp.c.o.d"
  "test_interp"
  "test_interp.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_interp.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
