# node-gyp build (npm's default path when no prebuild matches). Same sources as CMakeLists.txt: both read
# native/sources.txt. Links the system OpenBLAS and LAPACKE (Debian: libopenblas-dev liblapacke-dev).
{
  "targets": [
    {
      "target_name": "nnsim",
      "sources": ["<!@(node native/sources.cjs all)"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/core",
        "/usr/include/x86_64-linux-gnu/openblas-pthread",
        "/usr/include/openblas"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-frtti"],
      "libraries": ["-llapacke", "-lopenblas", "-lpthread", "-lm"]
    }
  ]
}
