
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/runtime/alloc.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/alloc.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/alloc.c.o.d"
  "/work/main/src/runtime/code.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/code.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/code.c.o.d"
  "/work/main/src/runtime/code_dump.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/code_dump.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/code_dump.c.o.d"
  "/work/main/src/runtime/const_expr.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/const_expr.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/const_expr.c.o.d"
  "/work/main/src/runtime/decode.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/decode.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/decode.c.o.d"
  "/work/main/src/runtime/decode_sections.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/decode_sections.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/decode_sections.c.o.d"
  "/work/main/src/runtime/emit.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/emit.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/emit.c.o.d"
  "/work/main/src/runtime/engine.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/engine.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/engine.c.o.d"
  "/work/main/src/runtime/error.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/error.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/error.c.o.d"
  "/work/main/src/runtime/func.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/func.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/func.c.o.d"
  "/work/main/src/runtime/global.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/global.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/global.c.o.d"
  "/work/main/src/runtime/imports.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/imports.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/imports.c.o.d"
  "/work/main/src/runtime/instance.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/instance.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/instance.c.o.d"
  "/work/main/src/runtime/interp.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/interp.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/interp.c.o.d"
  "/work/main/src/runtime/memory.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/memory.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/memory.c.o.d"
  "/work/main/src/runtime/module.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/module.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/module.c.o.d"
  "/work/main/src/runtime/reader.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/reader.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/reader.c.o.d"
  "/work/main/src/runtime/table.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/table.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/table.c.o.d"
  "/work/main/src/runtime/translate.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/translate.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/translate.c.o.d"
  "/work/main/src/runtime/types.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/types.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/types.c.o.d"
  "/work/main/src/runtime/validate.c" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/validate.c.o" "gcc" "CMakeFiles/wasmpipe_runtime.dir/src/runtime/validate.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
