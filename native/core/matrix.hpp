// Row-major dense matrices: a non-owning view (zero-copy over caller memory, e.g. a Float64Array)
// and an owning matrix for intermediates. Row i is input i; column j is feature j.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "buffer.hpp"
#include "run_control.hpp"

namespace nnsim {

struct MatrixView {
  const double* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;

  MatrixView() = default;
  MatrixView(const double* d, std::size_t r, std::size_t c) : data(d), rows(r), cols(c) {}

  double operator()(std::size_t i, std::size_t j) const { return data[i * cols + j]; }
  const double* row(std::size_t i) const { return data + i * cols; }
  std::size_t size() const { return rows * cols; }
};

// A read-only row-major matrix whose elements are float64 or float32: a caller's Float64Array or
// Float32Array (or a file's row block) used where it lies. Computation reads float32 data through bounded
// float64 row blocks (Representation::forEachRowBlock) and never copies it whole unless a measure needs
// the full matrix in float64.
enum class ElementType { Float64, Float32 };

struct SourceView {
  const void* data = nullptr;
  ElementType type = ElementType::Float64;
  std::size_t rows = 0;
  std::size_t cols = 0;

  SourceView() = default;
  SourceView(MatrixView v) : data(v.data), type(ElementType::Float64), rows(v.rows), cols(v.cols) {}  // NOLINT: implicit by design
  SourceView(const float* d, std::size_t r, std::size_t c) : data(d), type(ElementType::Float32), rows(r), cols(c) {}

  bool isSingle() const { return type == ElementType::Float32; }
  const double* f64() const { return static_cast<const double*>(data); }
  const float* f32() const { return static_cast<const float*>(data); }
  std::size_t elementSize() const { return isSingle() ? sizeof(float) : sizeof(double); }
  std::size_t size() const { return rows * cols; }
  // Rows [begin, begin + count) as a source of their own (no copy).
  SourceView rowRange(std::size_t begin, std::size_t count) const {
    SourceView out = *this;
    out.data = static_cast<const char*>(data) + begin * cols * elementSize();
    out.rows = count;
    return out;
  }
  // The float64 view; only for float64 sources.
  MatrixView doubles() const { return MatrixView(f64(), rows, cols); }
  // Element (i, j) as a double.
  double operator()(std::size_t i, std::size_t j) const {
    return isSingle() ? static_cast<double>(f32()[i * cols + j]) : f64()[i * cols + j];
  }
};

// Owning row-major matrix. Matrix(r, c) is zero-filled; Matrix::uninitialized(r, c) is not (for
// buffers that are written in full right away: skipping the zero-fill of a large intermediate saves a
// full pass over memory).
// Filling or copying an N × N intermediate touches hundreds of megabytes (page faults included): it
// goes in pieces with a cancellation point between them (run_control.hpp).
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) : Matrix(rows, cols, Uninitialized{}) {
    for (std::size_t k = 0; k < size(); k += kPiece) {
      if (k > 0) checkpoint();
      std::fill_n(values_.get() + k, std::min(kPiece, size() - k), 0.0);
    }
  }
  Matrix(std::size_t rows, std::size_t cols, const std::vector<double>& values) : Matrix(rows, cols, Uninitialized{}) {
    std::copy_n(values.data(), std::min(values.size(), size()), values_.get());
  }

  static Matrix uninitialized(std::size_t rows, std::size_t cols) { return Matrix(rows, cols, Uninitialized{}); }
  static Matrix copyOf(MatrixView v) {
    Matrix m(v.rows, v.cols, Uninitialized{});
    for (std::size_t k = 0; k < v.size(); k += kPiece) {
      if (k > 0) checkpoint();
      std::copy_n(v.data + k, std::min(kPiece, v.size() - k), m.values_.get() + k);
    }
    return m;
  }

  Matrix(Matrix&&) noexcept = default;
  Matrix& operator=(Matrix&&) noexcept = default;
  Matrix(const Matrix& other) : Matrix(copyOf(other.view())) {}
  Matrix& operator=(const Matrix& other) {
    if (this != &other) *this = copyOf(other.view());
    return *this;
  }

  double& operator()(std::size_t i, std::size_t j) { return values_[i * cols_ + j]; }
  double operator()(std::size_t i, std::size_t j) const { return values_[i * cols_ + j]; }
  double* data() { return values_.get(); }
  const double* data() const { return values_.get(); }
  double* row(std::size_t i) { return values_.get() + i * cols_; }
  const double* row(std::size_t i) const { return values_.get() + i * cols_; }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return rows_ * cols_; }
  MatrixView view() const { return MatrixView(values_.get(), rows_, cols_); }
  operator MatrixView() const { return view(); }

 private:
  static constexpr std::size_t kPiece = std::size_t{1} << 18;
  struct Uninitialized {};
  Matrix(std::size_t rows, std::size_t cols, Uninitialized)
      : values_(elements(rows, cols) > 0 ? makeBuffer<double>(rows * cols) : nullptr), rows_(rows), cols_(cols) {}
  static std::size_t elements(std::size_t rows, std::size_t cols) {
    if (cols != 0 && rows > static_cast<std::size_t>(-1) / cols) throw std::bad_alloc();
    return rows * cols;
  }

  Buffer<double> values_;  // large ones huge-page advised (buffer.hpp)
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
};

}  // namespace nnsim
