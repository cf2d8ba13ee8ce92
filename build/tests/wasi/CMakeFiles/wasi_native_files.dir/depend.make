# Empty dependencies file for wasi_native_files.
# This may be replaced when dependencies are built.
