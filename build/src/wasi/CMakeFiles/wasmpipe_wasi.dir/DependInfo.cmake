
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/wasi/args.c" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/args.c.o" "gcc" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/args.c.o.d"
  "/work/main/src/wasi/clock.c" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/clock.c.o" "gcc" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/clock.c.o.d"
  "/work/main/src/wasi/context.c" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/context.c.o" "gcc" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/context.c.o.d"
  "/work/main/src/wasi/define.c" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/define.c.o" "gcc" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/define.c.o.d"
  "/work/main/src/wasi/fd.c" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/fd.c.o" "gcc" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/fd.c.o.d"
  "/work/main/src/wasi/fdtable.c" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/fdtable.c.o" "gcc" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/fdtable.c.o.d"
  "/work/main/src/wasi/path.c" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/path.c.o" "gcc" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/path.c.o.d"
  "/work/main/src/wasi/resolve.c" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/resolve.c.o" "gcc" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/resolve.c.o.d"
  "/work/main/src/wasi/unstable.c" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/unstable.c.o" "gcc" "src/wasi/CMakeFiles/wasmpipe_wasi.dir/unstable.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/wasmpipe_runtime.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
