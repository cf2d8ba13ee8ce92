# Empty compiler generated dependencies file for test_imports.
# This may be replaced when dependencies are built.
