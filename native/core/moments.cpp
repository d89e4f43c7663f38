#include "moments.hpp"

#include <cblas.h>

#include <algorithm>
#include <memory>
#include <type_traits>

#include "errors.hpp"
#include "linalg.hpp"
#include "parallel.hpp"
#include "run_control.hpp"

namespace nnsim {

const char* precisionName(Precision p) { return p == Precision::Single ? "single" : "double"; }

namespace {

// Rows per thread below which converting a block is not worth a thread.
std::size_t minRowsPerThread(std::size_t cols) { return std::max<std::size_t>(1, (std::size_t{1} << 18) / std::max<std::size_t>(1, cols)); }

template <class Out, class In>
void copyRowsTyped(const In* src, std::size_t cols, const double* centre, std::size_t begin, std::size_t count, Out* dst,
                   std::size_t stride, std::size_t offset, double* squares) {
  orderedReduce(
      count, minRowsPerThread(cols),
      [&](std::size_t lo, std::size_t hi) {
        std::vector<double> columnSums(squares != nullptr ? cols : 0, 0.0);  // per column: vectorisable
        for (std::size_t i = lo; i < hi; ++i) {
          const In* s = src + (begin + i) * cols;
          Out* d = dst + i * stride + offset;
          if (centre != nullptr) {
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
  if (s.isSingle()) {
    copyRowsTyped(s.f32(), s.cols, input.centre, begin, count, dst, stride, offset, squares);
  } else {
    copyRowsTyped(s.f64(), s.cols, input.centre, begin, count, dst, stride, offset, squares);
  }
}

// out (upper triangle, double) += c (upper triangle, float).
void addUpper(const std::vector<float>& c, Matrix& out) {
  const std::size_t n = out.rows();
  parallelFor(n, std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(1, n)), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      const float* src = c.data() + i * n;
      double* dst = out.row(i);
      for (std::size_t j = i; j < n; ++j) dst[j] += static_cast<double>(src[j]);
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
                     std::size_t offset) {
  copyRows(input, begin, count, dst, stride, offset);
}

std::size_t momentBlockRows(std::size_t width, Precision precision) {
  const std::size_t element = precision == Precision::Single ? sizeof(float) : sizeof(double);
  return std::max<std::size_t>(64, (std::size_t{16} << 20) / (element * std::max<std::size_t>(1, width)));
}

void mirrorUpper(Matrix& m) {
  const std::size_t n = m.rows();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) m(i, j) = m(j, i);
  }
}

namespace {

// The BLAS calls of one element type: c = beta·c + aᵀa (or aᵀb). Float64 products accumulate straight
// into the result; float32 products accumulate in a float32 partial that is added into the float64 result
// every kSingleFlushRows rows, so float32 rounding grows with that many rows, never with N.
constexpr std::size_t kSingleFlushRows = 8192;

void syrk(int n, int k, const double* a, double* c, double beta = 1.0) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, 1.0, a, n, beta, c, n);
}
void syrk(int n, int k, const float* a, float* c, float beta) {
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, 1.0f, a, n, beta, c, n);
}
void gemmTN(int m, int n, int k, const double* a, const double* b, double* c, double beta = 1.0) {
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0, a, m, b, n, beta, c, n);
}
void gemmTN(int m, int n, int k, const float* a, const float* b, float* c, float beta) {
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0f, a, m, b, n, beta, c, n);
}

template <class T>
void blockedMoments(const std::vector<MomentInput>& inputs, std::size_t begin, std::size_t end, std::size_t width,
                    std::size_t block, Matrix& out, RunControl* control) {
  constexpr bool single = std::is_same_v<T, float>;
  const int n = blasInt(width, "columns");
  std::vector<T> scratch(block * width);
  std::vector<float> product(single ? width * width : 0);
  std::size_t pending = 0;  // rows in the float32 partial product
  for (std::size_t at = begin; at < end; at += block) {
    if (control != nullptr) control->throwIfCancelled();
    const std::size_t rows = std::min(block, end - at);
    std::size_t offset = 0;
    for (const MomentInput& in : inputs) {
      copyRows(in, at, rows, scratch.data(), width, offset);
      offset += in.source.cols;
    }
    if constexpr (single) {
      syrk(n, blasInt(rows, "rows"), scratch.data(), product.data(), pending == 0 ? 0.0f : 1.0f);
      pending += rows;
      if (pending >= kSingleFlushRows || at + rows >= end) {
        addUpper(product, out);
        pending = 0;
      }
    } else {
      syrk(n, blasInt(rows, "rows"), scratch.data(), out.data());
    }
  }
}

template <class T>
void blockedCross(const MomentInput& x, const MomentInput& y, std::size_t begin, std::size_t end, std::size_t block,
                  Matrix& out, RunControl* control, double* sx, double* sy) {
  constexpr bool single = std::is_same_v<T, float>;
  const std::size_t dx = x.source.cols;
  const std::size_t dy = y.source.cols;
  // A float64 input without centre is read in place; everything else goes through a scratch block.
  const bool copyX = single || !inPlace(x, Precision::Double);
  const bool copyY = single || !inPlace(y, Precision::Double);
  std::vector<T> bx(copyX ? block * dx : 0), by(copyY ? block * dy : 0);
  std::vector<float> product(single ? dx * dy : 0);
  std::size_t pending = 0;  // rows in the float32 partial product
  for (std::size_t at = begin; at < end; at += block) {
    if (control != nullptr) control->throwIfCancelled();
    const std::size_t rows = std::min(block, end - at);
    const T* px = nullptr;
    const T* py = nullptr;
    if constexpr (!single) {
      px = x.source.rowRange(at, 0).f64();
      py = y.source.rowRange(at, 0).f64();
    }
    if (copyX) {
      copyRows(x, at, rows, bx.data(), dx, 0, sx);
      px = bx.data();
    }
    if (copyY) {
      copyRows(y, at, rows, by.data(), dy, 0, sy);
      py = by.data();
    }
    const int m = blasInt(dx, "columns");
    const int n = blasInt(dy, "columns");
    if constexpr (single) {
      gemmTN(m, n, blasInt(rows, "rows"), px, py, product.data(), pending == 0 ? 0.0f : 1.0f);
      pending += rows;
      if (pending >= kSingleFlushRows || at + rows >= end) {
        for (std::size_t i = 0; i < out.size(); ++i) out.data()[i] += static_cast<double>(product[i]);
        pending = 0;
      }
    } else {
      gemmTN(m, n, blasInt(rows, "rows"), px, py, out.data());
    }
  }
}

}  // namespace

void accumulateMoments(const std::vector<MomentInput>& inputs, std::size_t begin, std::size_t end, Precision precision,
                       Matrix& out, RunControl* control) {
  std::size_t width = 0;
  for (const MomentInput& in : inputs) {
    if (in.source.rows < end) throw Error(ErrorCode::Internal, "accumulateMoments: row range outside an input");
    width += in.source.cols;
  }
  if (out.rows() != width || out.cols() != width) throw Error(ErrorCode::Internal, "accumulateMoments: output has the wrong shape");
  if (end <= begin || width == 0) return;
  if (inputs.size() == 1 && inPlace(inputs[0], precision)) {
    // XᵀX straight from the caller's float64 rows: nothing to convert or centre.
    const SourceView rows = inputs[0].source.rowRange(begin, end - begin);
    syrk(blasInt(width, "columns"), blasInt(rows.rows, "rows"), rows.f64(), out.data());
    return;
  }
  const std::size_t block = std::min(end - begin, momentBlockRows(width, precision));
  if (precision == Precision::Single) {
    blockedMoments<float>(inputs, begin, end, width, block, out, control);
  } else {
    blockedMoments<double>(inputs, begin, end, width, block, out, control);
  }
}

void accumulateCross(const MomentInput& x, const MomentInput& y, std::size_t begin, std::size_t end, Precision precision,
                     Matrix& out, RunControl* control, SquaredNorms* squares) {
  if (squares != nullptr) *squares = SquaredNorms{};
  if (x.source.rows < end || y.source.rows < end) throw Error(ErrorCode::Internal, "accumulateCross: row range outside an input");
  if (out.rows() != x.source.cols || out.cols() != y.source.cols) {
    throw Error(ErrorCode::Internal, "accumulateCross: output has the wrong shape");
  }
  if (end <= begin || x.source.cols == 0 || y.source.cols == 0) return;
  const std::size_t block = std::min(end - begin, momentBlockRows(x.source.cols + y.source.cols, precision));
  if (precision == Precision::Single) {
    blockedCross<float>(x, y, begin, end, block, out, control, nullptr, nullptr);
    return;
  }
  if (inPlace(x, precision) && inPlace(y, precision)) {
    // XᵀY straight from the caller's float64 rows in one call.
    gemmTN(blasInt(x.source.cols, "columns"), blasInt(y.source.cols, "columns"), blasInt(end - begin, "rows"),
           x.source.rowRange(begin, 0).f64(), y.source.rowRange(begin, 0).f64(), out.data());
    return;
  }
  // The norms come for free when both inputs pass through the scratch blocks (float64 only).
  const bool both = !inPlace(x, precision) && !inPlace(y, precision) && squares != nullptr;
  if (both) squares->valid = true;
  blockedCross<double>(x, y, begin, end, block, out, control, both ? &squares->x : nullptr, both ? &squares->y : nullptr);
}

}  // namespace nnsim
