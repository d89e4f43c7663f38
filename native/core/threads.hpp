// Control of the BLAS thread pool (OpenBLAS). By default OpenBLAS uses every core, or the count in
// OPENBLAS_NUM_THREADS / OMP_NUM_THREADS when set; setBlasThreads overrides it at run time.
#pragma once

#include <string>

namespace nnsim {

int blasThreads();
void setBlasThreads(int threads);
int cpuCount();
std::string blasConfig();

}  // namespace nnsim
