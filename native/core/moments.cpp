#include "moments.hpp"

#include <cblas.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "buffer.hpp"
#include "errors.hpp"
#include "linalg.hpp"
#include "parallel.hpp"
#include "run_control.hpp"

namespace nnsim {

const char* precisionName(Precision p) { return p == Precision::Single ? "single" : "double"; }

namespace {

// Rows per thread below which converting a block is not worth a thread.
std::size_t minRowsPerThread(std::size_t cols) { return std::max<std::size_t>(1, (std::size_t{1} << 18) / std::max<std::size_t>(1, cols)); }

// Blocks of at least this many bytes are written with non-temporal stores where the CPU has them (below).
constexpr std::size_t kStreamingStoreBytes = std::size_t{4} << 20;

#if defined(__SSE2__)
// d[j] = s[j] − centre[j] (centre may be null) with non-temporal stores, which bypass the cache: a normal
// store first reads each cache line from memory, so a block larger than the cache costs a read, a write
// and the read of the product's packing; streaming it drops the first read (the copy of a 10 000 × 1536
// block ran 17 → 10 ms on one core). d must be 16-byte aligned. sums[j] += (s[j] − centre[j])² if given.
template <class In>
void streamRow(const In* s, const double* centre, double* d, std::size_t cols, double* sums) {
  std::size_t j = 0;
  for (; j + 2 <= cols; j += 2) {
    __m128d v = _mm_set_pd(static_cast<double>(s[j + 1]), static_cast<double>(s[j]));
    if (centre != nullptr) v = _mm_sub_pd(v, _mm_loadu_pd(centre + j));
    _mm_stream_pd(d + j, v);
    if (sums != nullptr) _mm_storeu_pd(sums + j, _mm_add_pd(_mm_loadu_pd(sums + j), _mm_mul_pd(v, v)));
  }
  for (; j < cols; ++j) {
    const double v = static_cast<double>(s[j]) - (centre != nullptr ? centre[j] : 0.0);
    d[j] = v;
    if (sums != nullptr) sums[j] += v * v;
  }
}

// The same into float32: d[j] = float((s[j] − centre[j])·scale), rounded as static_cast<float> rounds;
// the sums are of the float64 values. d must be 16-byte aligned.
template <class In>
void streamRow(const In* s, const double* centre, double scale, float* d, std::size_t cols, double* sums) {
  const __m128d factor = _mm_set1_pd(scale);
  std::size_t j = 0;
  for (; j + 4 <= cols; j += 4) {
    __m128d lo = _mm_set_pd(static_cast<double>(s[j + 1]), static_cast<double>(s[j]));
    __m128d hi = _mm_set_pd(static_cast<double>(s[j + 3]), static_cast<double>(s[j + 2]));
    if (centre != nullptr) {
      lo = _mm_sub_pd(lo, _mm_loadu_pd(centre + j));
      hi = _mm_sub_pd(hi, _mm_loadu_pd(centre + j + 2));
    }
    _mm_stream_ps(d + j, _mm_movelh_ps(_mm_cvtpd_ps(_mm_mul_pd(lo, factor)), _mm_cvtpd_ps(_mm_mul_pd(hi, factor))));
    if (sums != nullptr) {
      _mm_storeu_pd(sums + j, _mm_add_pd(_mm_loadu_pd(sums + j), _mm_mul_pd(lo, lo)));
      _mm_storeu_pd(sums + j + 2, _mm_add_pd(_mm_loadu_pd(sums + j + 2), _mm_mul_pd(hi, hi)));
    }
  }
  for (; j < cols; ++j) {
    const double v = static_cast<double>(s[j]) - (centre != nullptr ? centre[j] : 0.0);
    d[j] = static_cast<float>(v * scale);
    if (sums != nullptr) sums[j] += v * v;
  }
}
#endif

template <class Out, class In>
void copyRowsTyped(const In* src, std::size_t cols, const double* centre, double scale, std::size_t begin,
                   std::size_t count, Out* dst, std::size_t stride, std::size_t offset, double* squares) {
#if defined(__SSE2__)
  const bool streaming = count * stride * sizeof(Out) >= kStreamingStoreBytes &&
                         reinterpret_cast<std::uintptr_t>(dst + offset) % 16 == 0 && (stride * sizeof(Out)) % 16 == 0;
#endif
  orderedReduce(
      count, minRowsPerThread(cols),
      [&](std::size_t lo, std::size_t hi) {
        std::vector<double> columnSums(squares != nullptr ? cols : 0, 0.0);  // per column: vectorisable
#if defined(__SSE2__)
        if (streaming) {
          for (std::size_t i = lo; i < hi; ++i) {
            checkpoint();
            double* sums = squares != nullptr ? columnSums.data() : nullptr;
            if constexpr (std::is_same_v<Out, float>) {
              streamRow(src + (begin + i) * cols, centre, scale, dst + i * stride + offset, cols, sums);
            } else {
              streamRow(src + (begin + i) * cols, centre, dst + i * stride + offset, cols, sums);
            }
          }
          _mm_sfence();  // the streamed stores are visible before the chunk reports done
          double sum = 0.0;
          for (double v : columnSums) sum += v;
          return sum;
        }
#endif
        for (std::size_t i = lo; i < hi; ++i) {
          checkpoint();
          const In* s = src + (begin + i) * cols;
          Out* d = dst + i * stride + offset;
          if constexpr (std::is_same_v<Out, float>) {
            // Scaled by an exact power of two before the rounding to float32 (see MomentInput); the squares
            // are those of the float64 values, before the rounding.
            if (centre != nullptr) {
              for (std::size_t j = 0; j < cols; ++j) {
                const double v = static_cast<double>(s[j]) - centre[j];
                d[j] = static_cast<float>(v * scale);
                if (squares != nullptr) columnSums[j] += v * v;
              }
            } else {
              for (std::size_t j = 0; j < cols; ++j) {
                const double v = static_cast<double>(s[j]);
                d[j] = static_cast<float>(v * scale);
                if (squares != nullptr) columnSums[j] += v * v;
              }
            }
            continue;
          } else if (centre != nullptr) {
            for (std::size_t j = 0; j < cols; ++j) d[j] = static_cast<Out>(static_cast<double>(s[j]) - centre[j]);
          } else {
            for (std::size_t j = 0; j < cols; ++j) d[j] = static_cast<Out>(s[j]);
          }
          if (squares != nullptr) {
            for (std::size_t j = 0; j < cols; ++j) columnSums[j] += static_cast<double>(d[j]) * static_cast<double>(d[j]);
          }
        }
        double sum = 0.0;
        for (double v : columnSums) sum += v;
        return sum;
      },
      [&](double sum) {
        if (squares != nullptr) *squares += sum;
      });
}

template <class Out>
void copyRows(const MomentInput& input, std::size_t begin, std::size_t count, Out* dst, std::size_t stride,
              std::size_t offset, double* squares = nullptr) {
  const SourceView& s = input.source;
  const double scale = std::is_same_v<Out, float> ? std::ldexp(1.0, -input.exponent) : 1.0;
  if (s.isSingle()) {
    copyRowsTyped(s.f32(), s.cols, input.centre, scale, begin, count, dst, stride, offset, squares);
  } else {
    copyRowsTyped(s.f64(), s.cols, input.centre, scale, begin, count, dst, stride, offset, squares);
  }
}

// out (upper triangle, double) += c (upper triangle, float) scaled back: entry (i, j) by factor[i]·factor[j]
// (powers of two: exact). With `assign`, out = that instead (out's upper triangle may be uninitialised).
void addUpper(const float* c, const std::vector<double>& factor, Matrix& out, bool assign) {
  const std::size_t n = out.rows();
  parallelFor(n, std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(1, n)), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      const float* src = c + i * n;
      double* dst = out.row(i);
      const double fi = factor[i];
      if (assign) {
        for (std::size_t j = i; j < n; ++j) dst[j] = static_cast<double>(src[j]) * (fi * factor[j]);
      } else {
        for (std::size_t j = i; j < n; ++j) dst[j] += static_cast<double>(src[j]) * (fi * factor[j]);
      }
    }
  });
}

bool inPlace(const MomentInput& input, Precision precision) {
  return !input.source.isSingle() && input.centre == nullptr && precision == Precision::Double;
}

}  // namespace

void copyCentredRows(const MomentInput& input, std::size_t begin, std::size_t count, double* dst, std::size_t stride,
                     std::size_t offset, double* squares) {
  copyRows(input, begin, count, dst, stride, offset, squares);
}

void copyCentredRows(const MomentInput& input, std::size_t begin, std::size_t count, float* dst, std::size_t stride,
                     std::size_t offset, double* squares) {
  copyRows(input, begin, count, dst, stride, offset, squares);
}

std::size_t momentBlockRows(std::size_t width, Precision precision) {
  const std::size_t element = precision == Precision::Single ? sizeof(float) : sizeof(double);
  return std::max<std::size_t>(64, (std::size_t{16} << 20) / (element * std::max<std::size_t>(1, width)));
}

namespace {

// The BLAS calls of one element type: c = beta·c + aᵀa (or aᵀb). Float64 products accumulate straight
// into the result; float32 products accumulate in a float32 partial that is added into the float64 result
// every kSingleFlushRows rows, so float32 rounding grows with that many rows, never with N.
constexpr std::size_t kSingleFlushRows = 8192;

// Work of one BLAS call between two cancellation points (flops, counted as 2·k·m·n for any product): a
// 16 MB block of up to ~1900 columns is one call (its syrk does half of that count: 3.2e9 flops for a
// 1536-wide [X Y] block, 35–70 ms on one or two cores), wider ones are split into panels of at least 128
// columns. Smaller panels would bound the latency further but cost speed twice: narrow BLAS calls run
// slower, and each gemm above the diagonal packs the block's left columns again (with 128-column panels
// a 1536-wide block was packed ~6 times and CKA ran at half its floor on a quiet machine). Float32
// arithmetic runs at twice the rate, so a float32 call may do twice the flops in the same time (a 16 MB
// float32 block holds twice the rows: with the float64 budget its product was split into panels and
// 'single' CKA ran 1.4× its floor).
constexpr double kPanelFlops = 4e9;
template <class T>
constexpr double panelFlops() {
  return kPanelFlops * static_cast<double>(sizeof(double) / sizeof(T));
}

void syrk(int n, int k, const double* a, int lda, double* c, int ldc, double beta) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, 1.0, a, lda, beta, c, ldc);
}
void syrk(int n, int k, const float* a, int lda, float* c, int ldc, double beta) {
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, 1.0f, a, lda, static_cast<float>(beta), c, ldc);
}
void gemmTN(int m, int n, int k, const double* a, int lda, const double* b, int ldb, double* c, int ldc, double beta) {
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}
void gemmTN(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, double beta) {
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb, static_cast<float>(beta), c, ldc);
}

// Columns per panel of a product whose panels cost `flopsPerColumn` each (all columns when cheap), for a
// budget of `budget` flops per call.
std::size_t panelColumns(std::size_t columns, double flopsPerColumn, double budget) {
  if (flopsPerColumn * static_cast<double>(columns) <= 2.0 * budget) return std::max<std::size_t>(columns, 1);
  return std::max<std::size_t>(128, static_cast<std::size_t>(budget / std::max(flopsPerColumn, 1.0)));
}

// Upper triangle of C (n × n, row stride n) = beta·C + AᵀA for the k × n row block A (row stride lda), by
// panels of columns [j0, j1): the diagonal block by syrk, the rows above it by gemm; a cancellation point
// between panels.
template <class T>
void syrkPanels(std::size_t n, std::size_t k, const T* a, std::size_t lda, T* c, double beta) {
  const std::size_t panel = panelColumns(n, 2.0 * static_cast<double>(k) * static_cast<double>(n), panelFlops<T>());
  const int kk = blasInt(k, "rows"), la = blasInt(lda, "lda"), lc = blasInt(n, "columns");
  for (std::size_t j0 = 0; j0 < n; j0 += panel) {
    if (j0 > 0) checkpoint();
    const std::size_t w = std::min(panel, n - j0);
    syrk(static_cast<int>(w), kk, a + j0, la, c + j0 * n + j0, lc, beta);
    if (j0 > 0) gemmTN(static_cast<int>(j0), static_cast<int>(w), kk, a, la, a + j0, la, c + j0, lc, beta);
  }
}

// C (m × n, row stride n) = beta·C + AᵀB for row blocks A (k × m, stride lda) and B (k × n, stride ldb),
// by panels of columns of C with a cancellation point between them.
template <class T>
void gemmPanels(std::size_t m, std::size_t n, std::size_t k, const T* a, std::size_t lda, const T* b, std::size_t ldb,
                T* c, double beta) {
  const std::size_t panel = panelColumns(n, 2.0 * static_cast<double>(k) * static_cast<double>(m), panelFlops<T>());
  const int mm = blasInt(m, "columns"), kk = blasInt(k, "rows"), la = blasInt(lda, "lda"), lb = blasInt(ldb, "ldb"),
            lc = blasInt(n, "columns");
  for (std::size_t j0 = 0; j0 < n; j0 += panel) {
    if (j0 > 0) checkpoint();
    const std::size_t w = std::min(panel, n - j0);
    gemmTN(mm, static_cast<int>(w), kk, a, la, b + j0, lb, c + j0, lc, beta);
  }
}

// 2^exponent of each input's columns, side by side: the factors that undo the float32 scaling.
std::vector<double> columnFactors(const std::vector<MomentInput>& inputs) {
  std::vector<double> factors;
  for (const MomentInput& in : inputs) factors.insert(factors.end(), in.source.cols, std::ldexp(1.0, in.exponent));
  return factors;
}

// With `assign`, out's upper triangle is overwritten (it may be uninitialised) instead of added to.
template <class T>
void blockedMoments(const std::vector<MomentInput>& inputs, std::size_t begin, std::size_t end, std::size_t width,
                    std::size_t block, Matrix& out, bool assign, std::vector<double>* squares) {
  constexpr bool single = std::is_same_v<T, float>;
  // Uninitialised: copyRows writes every element of a block, and the first product of a partial is
  // written with beta = 0, before anything reads them.
  const Buffer<T> scratch = makeBuffer<T>(block * width);
  const Buffer<float> product = makeBuffer<float>(single ? width * width : 0);
  const std::vector<double> factors = single ? columnFactors(inputs) : std::vector<double>();
  std::size_t pending = 0;  // rows in the float32 partial product
  bool written = !assign;   // out holds a value to add to
  for (std::size_t at = begin; at < end; at += block) {
    checkpoint();
    const std::size_t rows = std::min(block, end - at);
    std::size_t offset = 0;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      copyRows(inputs[k], at, rows, scratch.get(), width, offset, squares != nullptr ? &(*squares)[k] : nullptr);
      offset += inputs[k].source.cols;
    }
    if constexpr (single) {
      syrkPanels(width, rows, scratch.get(), width, product.get(), pending == 0 ? 0.0 : 1.0);
      pending += rows;
      if (pending >= kSingleFlushRows || at + rows >= end) {
        addUpper(product.get(), factors, out, !written);
        written = true;
        pending = 0;
      }
    } else {
      syrkPanels(width, rows, scratch.get(), width, out.data(), written ? 1.0 : 0.0);
      written = true;
    }
  }
}

template <class T>
void blockedCross(const MomentInput& x, const MomentInput& y, std::size_t begin, std::size_t end, std::size_t block,
                  Matrix& out, double* sx, double* sy) {
  constexpr bool single = std::is_same_v<T, float>;
  const std::size_t dx = x.source.cols;
  const std::size_t dy = y.source.cols;
  // A float64 input without centre is read in place; everything else goes through a scratch block.
  const bool copyX = single || !inPlace(x, Precision::Double);
  const bool copyY = single || !inPlace(y, Precision::Double);
  const Buffer<T> bx = makeBuffer<T>(copyX ? block * dx : 0), by = makeBuffer<T>(copyY ? block * dy : 0);
  const Buffer<float> product = makeBuffer<float>(single ? dx * dy : 0);
  const double factor = std::ldexp(1.0, x.exponent + y.exponent);  // undoes the float32 scaling
  std::size_t pending = 0;  // rows in the float32 partial product
  for (std::size_t at = begin; at < end; at += block) {
    checkpoint();
    const std::size_t rows = std::min(block, end - at);
    const T* px = nullptr;
    const T* py = nullptr;
    if constexpr (!single) {
      px = x.source.rowRange(at, 0).f64();
      py = y.source.rowRange(at, 0).f64();
    }
    if (copyX) {
      copyRows(x, at, rows, bx.get(), dx, 0, sx);
      px = bx.get();
    }
    if (copyY) {
      copyRows(y, at, rows, by.get(), dy, 0, sy);
      py = by.get();
    }
    if constexpr (single) {
      gemmPanels(dx, dy, rows, px, dx, py, dy, product.get(), pending == 0 ? 0.0 : 1.0);
      pending += rows;
      if (pending >= kSingleFlushRows || at + rows >= end) {
        for (std::size_t i = 0; i < out.size(); ++i) out.data()[i] += static_cast<double>(product.get()[i]) * factor;
        pending = 0;
      }
    } else {
      gemmPanels(dx, dy, rows, px, dx, py, dy, out.data(), 1.0);
    }
  }
}

}  // namespace

namespace {

void moments(const std::vector<MomentInput>& inputs, std::size_t begin, std::size_t end, Precision precision, Matrix& out,
             bool assign, std::vector<double>* squares) {
  if (squares != nullptr) squares->clear();
  std::size_t width = 0;
  for (const MomentInput& in : inputs) {
    if (in.source.rows < end) throw Error(ErrorCode::Internal, "accumulateMoments: row range outside an input");
    width += in.source.cols;
  }
  if (out.rows() != width || out.cols() != width) throw Error(ErrorCode::Internal, "accumulateMoments: output has the wrong shape");
  if (width == 0) return;
  if (end <= begin) {
    if (assign) std::fill_n(out.data(), out.size(), 0.0);
    return;
  }
  const std::size_t block = std::min(end - begin, momentBlockRows(width, precision));
  if (inputs.size() == 1 && inPlace(inputs[0], precision)) {
    // XᵀX straight from the caller's float64 rows: nothing to convert or centre (nor squares to take).
    for (std::size_t at = begin; at < end; at += block) {
      checkpoint();
      const SourceView rows = inputs[0].source.rowRange(at, std::min(block, end - at));
      syrkPanels(width, rows.rows, rows.f64(), width, out.data(), assign && at == begin ? 0.0 : 1.0);
    }
    return;
  }
  if (squares != nullptr) squares->assign(inputs.size(), 0.0);
  if (precision == Precision::Single) {
    blockedMoments<float>(inputs, begin, end, width, block, out, assign, squares);
  } else {
    blockedMoments<double>(inputs, begin, end, width, block, out, assign, squares);
  }
}

}  // namespace

void accumulateMoments(const std::vector<MomentInput>& inputs, std::size_t begin, std::size_t end, Precision precision,
                       Matrix& out) {
  moments(inputs, begin, end, precision, out, false, nullptr);
}

Matrix momentsOf(const std::vector<MomentInput>& inputs, Precision precision, std::vector<double>* squares) {
  std::size_t width = 0;
  std::size_t rows = 0;
  for (const MomentInput& in : inputs) {
    width += in.source.cols;
    rows = in.source.rows;
  }
  Matrix out = Matrix::uninitialized(width, width);
  moments(inputs, 0, rows, precision, out, true, squares);
  return out;
}

void accumulateCross(const MomentInput& x, const MomentInput& y, std::size_t begin, std::size_t end, Precision precision,
                     Matrix& out, SquaredNorms* squares) {
  if (squares != nullptr) *squares = SquaredNorms{};
  if (x.source.rows < end || y.source.rows < end) throw Error(ErrorCode::Internal, "accumulateCross: row range outside an input");
  if (out.rows() != x.source.cols || out.cols() != y.source.cols) {
    throw Error(ErrorCode::Internal, "accumulateCross: output has the wrong shape");
  }
  if (end <= begin || x.source.cols == 0 || y.source.cols == 0) return;
  const std::size_t block = std::min(end - begin, momentBlockRows(x.source.cols + y.source.cols, precision));
  if (precision == Precision::Single) {
    blockedCross<float>(x, y, begin, end, block, out, nullptr, nullptr);
    return;
  }
  // The norms come for free when both inputs pass through the scratch blocks (float64 only).
  const bool both = !inPlace(x, precision) && !inPlace(y, precision) && squares != nullptr;
  if (both) squares->valid = true;
  blockedCross<double>(x, y, begin, end, block, out, both ? &squares->x : nullptr, both ? &squares->y : nullptr);
}

}  // namespace nnsim
