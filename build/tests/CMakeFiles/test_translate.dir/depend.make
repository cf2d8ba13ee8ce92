# Empty dependencies file for test_translate.
# This may be replaced when dependencies are built.
