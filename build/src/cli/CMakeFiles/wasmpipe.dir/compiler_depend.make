# Empty compiler generated dependencies file for wasmpipe.
# This may be replaced when dependencies are built.
