file(REMOVE_RECURSE
  "CMakeFiles/test_types.dir/runtime/test_types.c.o"
  "CMakeFiles/test_types.dir/runtime/test_types.c.o.d"
  "test_types"
  "test_types.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_types.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
