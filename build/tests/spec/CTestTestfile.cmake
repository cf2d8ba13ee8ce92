# CMake generated Testfile for 
# Source directory: /work/main/tests/spec
# Build directory: /work/main/build/tests/spec
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(spec "sh" "/work/main/tests/spec/run-spec.sh" "/work/main/build" "/work/main/build/tests/spec/wp-spec")
set_tests_properties(spec PROPERTIES  SKIP_RETURN_CODE "77" TIMEOUT "1800" _BACKTRACE_TRIPLES "/work/main/tests/spec/CMakeLists.txt;28;add_test;/work/main/tests/spec/CMakeLists.txt;0;")
