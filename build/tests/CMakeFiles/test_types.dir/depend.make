# Empty dependencies file for test_types.
# This may be replaced when dependencies are built.
