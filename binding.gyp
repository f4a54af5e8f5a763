{
  "targets": [
    {
      "target_name": "vigil_kernel",
      "sources": ["native/vigil_kernel.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
