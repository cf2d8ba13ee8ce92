file(REMOVE_RECURSE
  "CMakeFiles/wp-spec.dir/json_cmd.c.o"
  "CMakeFiles/wp-spec.dir/json_cmd.c.o.d"
  "CMakeFiles/wp-spec.dir/runner.c.o"
  "CMakeFiles/wp-spec.dir/runner.c.o.d"
  "CMakeFiles/wp-spec.dir/spectest.c.o"
  "CMakeFiles/wp-spec.dir/spectest.c.o.d"
  "CMakeFiles/wp-spec.dir/values.c.o"
  "CMakeFiles/wp-spec.dir/values.c.o.d"
  "wp-spec"
  "wp-spec.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/wp-spec.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
