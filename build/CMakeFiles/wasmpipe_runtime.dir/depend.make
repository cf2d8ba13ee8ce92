# Empty dependencies file for wasmpipe_runtime.
# This may be replaced when dependencies are built.
