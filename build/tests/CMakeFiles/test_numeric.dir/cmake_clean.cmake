file(REMOVE_RECURSE
  "CMakeFiles/test_numeric.dir/runtime/test_numeric.c.o"
  "CMakeFiles/test_numeric.dir/runtime/test_numeric.c.o.d"
  "test_numeric"
  "test_numeric.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_numeric.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
