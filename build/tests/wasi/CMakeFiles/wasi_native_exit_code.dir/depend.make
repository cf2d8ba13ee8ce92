# Empty dependencies file for wasi_native_exit_code.
# This may be replaced when dependencies are built.
