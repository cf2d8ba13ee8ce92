
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/tests/spec/json_cmd.c" "tests/spec/CMakeFiles/wp-spec.dir/json_cmd.c.o" "gcc" "tests/spec/CMakeFiles/wp-spec.dir/json_cmd.c.o.d"
  "/work/main/tests/spec/runner.c" "tests/spec/CMakeFiles/wp-spec.dir/runner.c.o" "gcc" "tests/spec/CMakeFiles/wp-spec.dir/runner.c.o.d"
  "/work/main/tests/spec/spectest.c" "tests/spec/CMakeFiles/wp-spec.dir/spectest.c.o" "gcc" "tests/spec/CMakeFiles/wp-spec.dir/spectest.c.o.d"
  "/work/main/tests/spec/values.c" "tests/spec/CMakeFiles/wp-spec.dir/values.c.o" "gcc" "tests/spec/CMakeFiles/wp-spec.dir/values.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/wasmpipe_runtime.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
