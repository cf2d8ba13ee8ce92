# Empty dependencies file for wasi_native_clocks.
# This may be replaced when dependencies are built.
