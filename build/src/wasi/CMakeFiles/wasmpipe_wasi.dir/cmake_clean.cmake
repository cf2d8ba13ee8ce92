file(REMOVE_RECURSE
  "CMakeFiles/wasmpipe_wasi.dir/args.c.o"
  "CMakeFiles/wasmpipe_wasi.dir/args.c.o.d"
  "CMakeFiles/wasmpipe_wasi.dir/clock.c.o"
  "CMakeFiles/wasmpipe_wasi.dir/clock.c.o.d"
  "CMakeFiles/wasmpipe_wasi.dir/context.c.o"
  "CMakeFiles/wasmpipe_wasi.dir/context.c.o.d"
  "CMakeFiles/wasmpipe_wasi.dir/define.c.o"
  "CMakeFiles/wasmpipe_wasi.dir/define.c.o.d"
  "CMakeFiles/wasmpipe_wasi.dir/fd.c.o"
  "CMakeFiles/wasmpipe_wasi.dir/fd.c.o.d"
  "CMakeFiles/wasmpipe_wasi.dir/fdtable.c.o"
  "CMakeFiles/wasmpipe_wasi.dir/fdtable.c.o.d"
  "CMakeFiles/wasmpipe_wasi.dir/path.c.o"
  "CMakeFiles/wasmpipe_wasi.dir/path.c.o.d"
  "CMakeFiles/wasmpipe_wasi.dir/resolve.c.o"
  "CMakeFiles/wasmpipe_wasi.dir/resolve.c.o.d"
  "CMakeFiles/wasmpipe_wasi.dir/unstable.c.o"
  "CMakeFiles/wasmpipe_wasi.dir/unstable.c.o.d"
  "libwasmpipe_wasi.a"
  "libwasmpipe_wasi.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/wasmpipe_wasi.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
