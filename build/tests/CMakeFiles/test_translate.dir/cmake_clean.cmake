file(REMOVE_RECURSE
  "CMakeFiles/test_translate.dir/runtime/test_translate.c.o"
  "CMakeFiles/test_translate.dir/runtime/test_translate.c.o.d"
  "test_translate"
  "test_translate.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_translate.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
