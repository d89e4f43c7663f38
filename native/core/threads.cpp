#include "threads.hpp"

#include <cblas.h>

#include "errors.hpp"

namespace nnsim {

int blasThreads() { return openblas_get_num_threads(); }

void setBlasThreads(int threads) {
  if (threads < 1 || threads > 4096) throw Error(ErrorCode::Option, "thread count must be in [1, 4096]");
  openblas_set_num_threads(threads);
}

int cpuCount() { return openblas_get_num_procs(); }

std::string blasConfig() {
  const char* config = openblas_get_config();
  return config != nullptr ? config : "unknown";
}

}  // namespace nnsim
