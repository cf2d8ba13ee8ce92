# Empty compiler generated dependencies file for wasmpipe_wasi.
# This may be replaced when dependencies are built.
