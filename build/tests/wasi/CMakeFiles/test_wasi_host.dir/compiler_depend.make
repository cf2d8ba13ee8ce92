# Empty compiler generated dependencies file for test_wasi_host.
# This may be replaced when dependencies are built.
