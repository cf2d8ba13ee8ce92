# Empty compiler generated dependencies file for test_decode.
# This may be replaced when dependencies are built.
