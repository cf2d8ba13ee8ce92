# Empty compiler generated dependencies file for test_table_global.
# This may be replaced when dependencies are built.
