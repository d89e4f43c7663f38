#include "moments.hpp"

#include <cblas.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

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
  std::map<std::size_t, double> partial;  // by first row: summed in row order
  std::mutex partialMutex;
  parallelFor(count, minRowsPerThread(cols), [&](std::size_t lo, std::size_t hi) {
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
    if (squares == nullptr) return;
    double sum = 0.0;
    for (double v : columnSums) sum += v;
    std::lock_guard<std::mutex> lock(partialMutex);
    partial.emplace(lo, sum);
  });
  for (const auto& [lo, sum] : partial) *squares += sum;
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

void addAll(const std::vector<float>& c, Matrix& out) {
  for (std::size_t i = 0; i < out.size(); ++i) out.data()[i] += static_cast<double>(c[i]);
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

void accumulateMoments(const std::vector<MomentInput>& inputs, std::size_t begin, std::size_t end, Precision precision,
                       Matrix& out, RunControl* control) {
  std::size_t width = 0;
  for (const MomentInput& in : inputs) {
    if (in.source.rows < end) throw Error(ErrorCode::Internal, "accumulateMoments: row range outside an input");
    width += in.source.cols;
  }
  if (out.rows() != width || out.cols() != width) throw Error(ErrorCode::Internal, "accumulateMoments: output has the wrong shape");
  if (end <= begin || width == 0) return;
  const int n = blasInt(width, "columns");
  if (inputs.size() == 1 && inPlace(inputs[0], precision)) {
    // XᵀX straight from the caller's float64 rows: nothing to convert or centre.
    const SourceView rows = inputs[0].source.rowRange(begin, end - begin);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, blasInt(rows.rows, "rows"), 1.0, rows.f64(), n, 1.0, out.data(), n);
    return;
  }
  const std::size_t block = std::min(end - begin, momentBlockRows(width, precision));
  if (precision == Precision::Double) {
    Matrix scratch = Matrix::uninitialized(block, width);
    for (std::size_t at = begin; at < end; at += block) {
      if (control != nullptr) control->throwIfCancelled();
      const std::size_t rows = std::min(block, end - at);
      std::size_t offset = 0;
      for (const MomentInput& in : inputs) {
        copyRows(in, at, rows, scratch.data(), width, offset);
        offset += in.source.cols;
      }
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, blasInt(rows, "rows"), 1.0, scratch.data(), n, 1.0, out.data(), n);
    }
    return;
  }
  // Single: each block's product in float32 (ssyrk), added into the float64 result.
  std::vector<float> scratch(block * width);
  std::vector<float> product(width * width);
  for (std::size_t at = begin; at < end; at += block) {
    if (control != nullptr) control->throwIfCancelled();
    const std::size_t rows = std::min(block, end - at);
    std::size_t offset = 0;
    for (const MomentInput& in : inputs) {
      copyRows(in, at, rows, scratch.data(), width, offset);
      offset += in.source.cols;
    }
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, n, blasInt(rows, "rows"), 1.0f, scratch.data(), n, 0.0f, product.data(), n);
    addUpper(product, out);
  }
}

void accumulateCross(const MomentInput& x, const MomentInput& y, std::size_t begin, std::size_t end, Precision precision,
                     Matrix& out, RunControl* control, SquaredNorms* squares) {
  if (squares != nullptr) *squares = SquaredNorms{};
  const std::size_t dx = x.source.cols;
  const std::size_t dy = y.source.cols;
  if (x.source.rows < end || y.source.rows < end) throw Error(ErrorCode::Internal, "accumulateCross: row range outside an input");
  if (out.rows() != dx || out.cols() != dy) throw Error(ErrorCode::Internal, "accumulateCross: output has the wrong shape");
  if (end <= begin || dx == 0 || dy == 0) return;
  const int m = blasInt(dx, "columns");
  const int n = blasInt(dy, "columns");
  if (inPlace(x, precision) && inPlace(y, precision)) {
    const int k = blasInt(end - begin, "rows");
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0, x.source.rowRange(begin, 0).f64(), m,
                y.source.rowRange(begin, 0).f64(), n, 1.0, out.data(), n);
    return;
  }
  const std::size_t block = std::min(end - begin, momentBlockRows(dx + dy, precision));
  // The norms come for free only when both inputs pass through the scratch blocks.
  double* sx = nullptr;
  double* sy = nullptr;
  if (squares != nullptr && !inPlace(x, precision) && !inPlace(y, precision)) {
    squares->valid = true;
    sx = &squares->x;
    sy = &squares->y;
  }
  if (precision == Precision::Double) {
    Matrix bx = inPlace(x, precision) ? Matrix() : Matrix::uninitialized(block, dx);
    Matrix by = inPlace(y, precision) ? Matrix() : Matrix::uninitialized(block, dy);
    for (std::size_t at = begin; at < end; at += block) {
      if (control != nullptr) control->throwIfCancelled();
      const std::size_t rows = std::min(block, end - at);
      const double* px = x.source.rowRange(at, 0).f64();
      const double* py = y.source.rowRange(at, 0).f64();
      if (!inPlace(x, precision)) {
        copyRows(x, at, rows, bx.data(), dx, 0, sx);
        px = bx.data();
      }
      if (!inPlace(y, precision)) {
        copyRows(y, at, rows, by.data(), dy, 0, sy);
        py = by.data();
      }
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, blasInt(rows, "rows"), 1.0, px, m, py, n, 1.0, out.data(), n);
    }
    return;
  }
  if (squares != nullptr) squares->valid = false;  // float32 blocks: the norms are not the float64 ones
  std::vector<float> bx(block * dx), by(block * dy), product(dx * dy);
  for (std::size_t at = begin; at < end; at += block) {
    if (control != nullptr) control->throwIfCancelled();
    const std::size_t rows = std::min(block, end - at);
    copyRows(x, at, rows, bx.data(), dx, 0);
    copyRows(y, at, rows, by.data(), dy, 0);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, blasInt(rows, "rows"), 1.0f, bx.data(), m, by.data(), n, 0.0f,
                product.data(), n);
    addAll(product, out);
  }
}

}  // namespace nnsim
