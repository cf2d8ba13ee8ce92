# Empty dependencies file for wp-spec.
# This may be replaced when dependencies are built.
