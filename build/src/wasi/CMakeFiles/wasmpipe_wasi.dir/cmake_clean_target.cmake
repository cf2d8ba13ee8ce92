file(REMOVE_RECURSE
  "libwasmpipe_wasi.a"
)
