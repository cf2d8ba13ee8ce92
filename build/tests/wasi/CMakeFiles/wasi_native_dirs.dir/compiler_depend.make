# Empty compiler generated dependencies file for wasi_native_dirs.
# This may be replaced when dependencies are built.
