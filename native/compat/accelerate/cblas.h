// <cblas.h> for builds against Apple's Accelerate framework (macOS; not tested by this project): its
// CBLAS, plus the OpenBLAS thread controls that native/core/threads.cpp calls. Accelerate sizes its own
// thread pool (VECLIB_MAXIMUM_THREADS), so nnsim's BLAS thread setting has no effect there.
#pragma once

#include <Accelerate/Accelerate.h>

#include <thread>

inline int openblas_get_num_threads() { return 1; }
inline void openblas_set_num_threads(int) {}
inline int openblas_get_num_procs() { return static_cast<int>(std::thread::hardware_concurrency()); }
inline const char* openblas_get_config() { return "Apple Accelerate"; }
