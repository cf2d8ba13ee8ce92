# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(test_decode "/work/main/build/tests/test_decode")
set_tests_properties(test_decode PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;8;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_imports "/work/main/build/tests/test_imports")
set_tests_properties(test_imports PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;8;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_interp "/work/main/build/tests/test_interp")
set_tests_properties(test_interp PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;8;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_memory "/work/main/build/tests/test_memory")
set_tests_properties(test_memory PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;8;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_numeric "/work/main/build/tests/test_numeric")
set_tests_properties(test_numeric PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;8;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_table_global "/work/main/build/tests/test_table_global")
set_tests_properties(test_table_global PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;8;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_translate "/work/main/build/tests/test_translate")
set_tests_properties(test_translate PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;8;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_types "/work/main/build/tests/test_types")
set_tests_properties(test_types PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;8;add_test;/work/main/tests/CMakeLists.txt;0;")
subdirs("spec")
subdirs("wasi")
