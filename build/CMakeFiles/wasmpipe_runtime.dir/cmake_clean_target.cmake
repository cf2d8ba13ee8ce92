file(REMOVE_RECURSE
  "libwasmpipe_runtime.a"
)
