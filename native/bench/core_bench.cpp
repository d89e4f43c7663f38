// Benchmarks of the Node-free core. For linear CKA it times the BLAS work the measure cannot avoid
// (dsyrk of each centred input and the dgemm of the cross product: the "floor") next to the whole
// measure (validation, centring, products, norms), so the overhead of everything else is visible.
//   nnsim_core_bench N D [repetitions]  -> one JSON line
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "linalg.hpp"
#include "measure.hpp"
#include "representation.hpp"
#include "threads.hpp"

using namespace nnsim;
using Clock = std::chrono::steady_clock;

namespace {

Matrix randomMatrix(std::size_t rows, std::size_t cols, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.5, 1.0);
  Matrix m(rows, cols);
  for (std::size_t i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

template <class F>
double medianSeconds(int repetitions, F&& body) {
  std::vector<double> times;
  for (int r = 0; r < repetitions; ++r) {
    const auto start = Clock::now();
    body();
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: nnsim_core_bench N D [repetitions]\n");
    return 2;
  }
  const std::size_t n = std::strtoul(argv[1], nullptr, 10);
  const std::size_t d = std::strtoul(argv[2], nullptr, 10);
  const int reps = argc > 3 ? std::atoi(argv[3]) : 5;
  const Matrix x = randomMatrix(n, d, 1);
  const Matrix y = randomMatrix(n, d, 2);

  // Floor: the three BLAS calls on already-centred inputs.
  Representation px(x), py(y);
  const MatrixView xc = px.data(Centering::Columns);
  const MatrixView yc = py.data(Centering::Columns);
  double sink = 0;
  const double floor = medianSeconds(reps, [&] {
    const Matrix gx = gramOfColumns(xc);
    const Matrix gy = gramOfColumns(yc);
    const Matrix cross = multiply(xc, Trans::Yes, yc, Trans::No);
    sink += gx(0, 0) + gy(0, 0) + cross(0, 0);
  });
  // The whole measure on fresh representations (finite check, centring, products, norms).
  Options none;
  double value = 0;
  const double full = medianSeconds(reps, [&] {
    Representation rx(x), ry(y);
    RepresentationPair pair(rx, ry);
    RunControl control;
    const MeasureContext ctx{pair, none, LabelsView{}, control};
    value = runMeasure("cka", ctx);
  });
  const double flops = static_cast<double>(n) * d * d * 2.0 /* two syrk, n·d² each */ + 2.0 * n * d * d /* gemm */;
  std::printf(
      "{\"n\":%zu,\"d\":%zu,\"threads\":%d,\"floorSeconds\":%.6f,\"ckaSeconds\":%.6f,\"ratio\":%.3f,"
      "\"floorGflops\":%.1f,\"cka\":%.12f,\"sink\":%g}\n",
      n, d, blasThreads(), floor, full, full / floor, flops / floor / 1e9, value, sink);
  return 0;
}
