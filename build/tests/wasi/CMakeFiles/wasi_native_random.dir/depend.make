# Empty dependencies file for wasi_native_random.
# This may be replaced when dependencies are built.
