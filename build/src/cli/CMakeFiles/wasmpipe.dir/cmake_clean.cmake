file(REMOVE_RECURSE
  "CMakeFiles/wasmpipe.dir/exec.c.o"
  "CMakeFiles/wasmpipe.dir/exec.c.o.d"
  "CMakeFiles/wasmpipe.dir/main.c.o"
  "CMakeFiles/wasmpipe.dir/main.c.o.d"
  "wasmpipe"
  "wasmpipe.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/wasmpipe.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
