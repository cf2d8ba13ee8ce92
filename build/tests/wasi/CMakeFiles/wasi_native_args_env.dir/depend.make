# Empty dependencies file for wasi_native_args_env.
# This may be replaced when dependencies are built.
