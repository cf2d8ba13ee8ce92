# Empty dependencies file for wasi_native_stdio.
# This may be replaced when dependencies are built.
