file(REMOVE_RECURSE
  "CMakeFiles/test_imports.dir/runtime/test_imports.c.o"
  "CMakeFiles/test_imports.dir/runtime/test_imports.c.o.d"
  "test_imports"
  "test_imports.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_imports.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
