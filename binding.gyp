{
  "targets": [
    {
      "target_name": "gated",
      "sources": [
        "native/cpu/activations.cc",
        "native/cpu/activations_isa.cc",
        "native/cpu/gemm.cc",
        "native/cpu/gemm_isa.cc",
        "native/cpu/gru_reset_before_step.cc",
        "native/cpu/gru_step.cc",
        "native/cpu/lstm_step.cc",
        "native/cpu/panel_cache.cc",
        "native/cpu/persistent_emulation.cc",
        "native/cpu/pool.cc",
        "native/cpu/ops/elementwise.cc",
        "native/cpu/ops/embedding.cc",
        "native/cpu/ops/optimizer.cc",
        "native/cpu/ops/reduce.cc",
        "native/cpu/rnn_cpu.cc",
        "native/cpu/rnn_step.cc",
        "native/cpu/rounding_isa.cc",
        "native/cuda/recurrence_kernel.cc",
        "native/napi/addon.cc",
        "native/napi/cuda_binding.cc",
        "native/napi/device_binding.cc",
        "native/napi/host_block.cc",
        "native/napi/kernels_binding.cc",
        "native/napi/ops_binding.cc",
        "native/napi/random_binding.cc",
        "native/napi/rnn_binding.cc",
        "native/cuda/cuda_stub.cc",
        "native/cuda/device_query_stub.cc",
        "native/cuda/ops_stub.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fexceptions"]
    }
  ]
}
