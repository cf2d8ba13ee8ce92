# Empty custom commands generated dependencies file for wasi_guests.
# This may be replaced when dependencies are built.
