// Row-major dense matrices: a non-owning view (zero-copy over caller memory, e.g. a Float64Array)
// and an owning matrix for intermediates. Row i is input i; column j is feature j.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

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

// Owning row-major matrix. Matrix(r, c) is zero-filled; Matrix::uninitialized(r, c) is not (for
// buffers that are written in full right away: skipping the zero-fill of a large intermediate saves a
// full pass over memory).
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) : Matrix(rows, cols, Uninitialized{}) {
    std::fill_n(values_.get(), size(), 0.0);
  }
  Matrix(std::size_t rows, std::size_t cols, const std::vector<double>& values) : Matrix(rows, cols, Uninitialized{}) {
    std::copy_n(values.data(), std::min(values.size(), size()), values_.get());
  }

  static Matrix uninitialized(std::size_t rows, std::size_t cols) { return Matrix(rows, cols, Uninitialized{}); }
  static Matrix copyOf(MatrixView v) {
    Matrix m(v.rows, v.cols, Uninitialized{});
    std::copy_n(v.data, v.size(), m.values_.get());
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
  struct Uninitialized {};
  Matrix(std::size_t rows, std::size_t cols, Uninitialized)
      : values_(rows * cols > 0 ? new double[rows * cols] : nullptr), rows_(rows), cols_(cols) {}

  std::unique_ptr<double[]> values_;
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
};

}  // namespace nnsim
