file(REMOVE_RECURSE
  "CMakeFiles/test_table_global.dir/runtime/test_table_global.c.o"
  "CMakeFiles/test_table_global.dir/runtime/test_table_global.c.o.d"
  "test_table_global"
  "test_table_global.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_table_global.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
