// Benchmarks of the Node-free core. For linear CKA it times the BLAS work the measure cannot avoid
// (dsyrk of each centred input and the dgemm of the cross product: the "floor") next to the whole
// measure (validation, centring, products, norms), so the overhead of everything else is visible.
//   nnsim_core_bench N D [repetitions]  -> one JSON line
//   nnsim_core_bench floor N D [block] [repetitions] -> one JSON line: the BLAS floors of the feature-space
//     measures on already-centred float64 data: one dsyrk of [X Y] (CKA's XᵀX, YᵀY, XᵀY), one ssyrk of
//     [X Y] in float32, dgemm XᵀY plus the singular values of the D × D result (Procrustes); with `block`,
//     the dsyrk of a `block`-row [X Y] repeated to cover N rows (the arithmetic of a streamed run).
#include <cblas.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
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

int floorMain(int argc, char** argv) {
  const std::size_t n = std::strtoul(argv[2], nullptr, 10);
  const std::size_t d = std::strtoul(argv[3], nullptr, 10);
  const std::size_t block = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 0;
  const int reps = argc > 5 ? std::atoi(argv[5]) : 3;
  const std::size_t w = 2 * d;
  const std::size_t rows = block > 0 ? std::min(block, n) : n;
  const Matrix xy = randomMatrix(rows, w, 3);  // stands for the centred [X Y]
  std::vector<float> xy32(xy.data(), xy.data() + xy.size());
  Matrix c(w, w);
  std::vector<float> c32(w * w);
  const int iw = static_cast<int>(w);
  const std::size_t repeats = block > 0 ? (n + rows - 1) / rows : 1;
  const double joint = medianSeconds(reps, [&] {
    for (std::size_t r = 0; r < repeats; ++r) {
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, iw, static_cast<int>(rows), 1.0, xy.data(), iw, 0.0, c.data(), iw);
    }
  });
  const double single = medianSeconds(reps, [&] {
    for (std::size_t r = 0; r < repeats; ++r) {
      cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, iw, static_cast<int>(rows), 1.0f, xy32.data(), iw, 0.0f, c32.data(), iw);
    }
  });
  const MatrixView x(xy.data(), rows, w);  // X = first d columns, Y = the rest (strided views via lda)
  Matrix cross(d, d);
  const double procrustes = medianSeconds(reps, [&] {
    for (std::size_t r = 0; r < repeats; ++r) {
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(d), static_cast<int>(d), static_cast<int>(rows), 1.0,
                  x.data, iw, x.data + d, iw, 0.0, cross.data(), static_cast<int>(d));
    }
    const std::vector<double> s = singularValues(cross);
    c(0, 0) += s[0];
  });
  std::printf(
      "{\"n\":%zu,\"d\":%zu,\"block\":%zu,\"threads\":%d,\"blas\":\"%s\",\"jointDsyrkSeconds\":%.6f,"
      "\"jointSsyrkSeconds\":%.6f,\"procrustesFloorSeconds\":%.6f,\"sink\":%g}\n",
      n, d, block, blasThreads(), blasConfig().c_str(), joint, single, procrustes, c(0, 0) + c32[0]);
  return 0;
}

int main(int argc, char** argv) {
  // The addon sets OPENBLAS_THREAD_TIMEOUT=20 before OpenBLAS loads (src/native.ts), so that idle BLAS
  // threads stop spinning soon after a call and leave the cores to the core's own passes. OpenBLAS reads
  // it when the library loads, before main: the benchmark runs itself again with it to time that setup.
  if (std::getenv("OPENBLAS_THREAD_TIMEOUT") == nullptr && setenv("OPENBLAS_THREAD_TIMEOUT", "20", 1) == 0) {
    execv("/proc/self/exe", argv);  // returns only on failure: then time the default
  }
  if (argc >= 4 && std::string(argv[1]) == "floor") return floorMain(argc, argv);
  if (argc < 3) {
    std::fprintf(stderr, "usage: nnsim_core_bench N D [repetitions]\n");
    return 2;
  }
  const std::size_t n = std::strtoul(argv[1], nullptr, 10);
  const std::size_t d = std::strtoul(argv[2], nullptr, 10);
  const int reps = argc > 3 ? std::atoi(argv[3]) : 5;
  const Matrix x = randomMatrix(n, d, 1);
  const Matrix y = randomMatrix(n, d, 2);

  // Floor: one dsyrk of the already-centred [X Y] (XᵀX, YᵀY and XᵀY in one BLAS call).
  Representation px(x), py(y);
  const MatrixView xc = px.data(Centering::Columns);
  const MatrixView yc = py.data(Centering::Columns);
  Matrix joint = Matrix::uninitialized(n, 2 * d);
  for (std::size_t i = 0; i < n; ++i) {
    std::copy_n(xc.row(i), d, joint.row(i));
    std::copy_n(yc.row(i), d, joint.row(i) + d);
  }
  double sink = 0;
  Options none;
  double value = 0;
  // Floor and measure alternate, so that a change of machine load affects both alike.
  std::vector<double> floors, fulls;
  for (int r = 0; r < reps; ++r) {
    floors.push_back(medianSeconds(1, [&] { sink += gramOfColumns(joint)(0, 0); }));
    // The whole measure on fresh representations (finite check, centring, products, norms).
    fulls.push_back(medianSeconds(1, [&] {
      Representation rx(x), ry(y);
      RepresentationPair pair(rx, ry);
      RunControl control;
      const MeasureContext ctx{pair, none, LabelsView{}, control};
      value = runMeasure("cka", ctx);
    }));
  }
  std::sort(floors.begin(), floors.end());
  std::sort(fulls.begin(), fulls.end());
  const double floor = floors[floors.size() / 2];
  const double full = fulls[fulls.size() / 2];
  const double flops = 4.0 * static_cast<double>(n) * d * d;  // N·(2D)² for the joint syrk
  std::printf(
      "{\"n\":%zu,\"d\":%zu,\"threads\":%d,\"floorSeconds\":%.6f,\"ckaSeconds\":%.6f,\"ratio\":%.3f,"
      "\"floorGflops\":%.1f,\"cka\":%.12f,\"sink\":%g}\n",
      n, d, blasThreads(), floor, full, full / floor, flops / floor / 1e9, value, sink);
  return 0;
}
