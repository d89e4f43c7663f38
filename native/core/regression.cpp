#include "regression.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "detachable.hpp"
#include "errors.hpp"
#include "linalg.hpp"
#include "representation.hpp"

namespace nnsim {

const OptionSpecs& affineMapOptionSpecs() {
  static const OptionSpecs specs = {numberOption("ridge", 0.0).atLeast(0.0)};
  return specs;
}

AffineFit fitAffineMap(MatrixView a, MatrixView b, const Options& options) {
  const double ridge = options.number("ridge");
  if (a.rows != b.rows) {
    throw Error(ErrorCode::Shape, "affine map: a and b must have the same number of rows (the same inputs): got " +
                                      std::to_string(a.rows) + " and " + std::to_string(b.rows));
  }
  if (a.rows == 0 || a.cols == 0 || b.cols == 0) throw Error(ErrorCode::Shape, "affine map: empty input");
  const std::size_t n = a.rows;
  const std::size_t d = a.cols;
  const std::size_t e = b.cols;
  const std::size_t m = ridge > 0.0 ? n + d : n;
  // Representation checks finiteness and computes the column means in one pass. It may scale A and B by
  // 2^-ea and 2^-eb (its magnitude rule): the fit of the scaled data Ã, B̃ with ridge λ·4^-ea is W̃, and
  // W = 2^(eb−ea) W̃, b = 2^eb (μ̃_B − W̃ᵀμ̃_A) solve the original problem.
  const Representation ra(a);
  const Representation rb(b);
  const int ea = ra.scaleExponent(), eb = rb.scaleExponent();
  const MatrixView sa = ra.raw(), sb = rb.raw();
  const std::vector<double>& meanA = ra.columnMeans();
  const std::vector<double>& meanB = rb.columnMeans();
  if (d > m) {
    throw Error(ErrorCode::Degenerate, "affine map: a has more columns (" + std::to_string(d) + ") than rows (" +
                                           std::to_string(n) + "), so the map is not unique; set ridge > 0");
  }
  // X = [A_c; √λ I] (m × d), Y = [B_c; 0] (m × e), row-major.
  Matrix x(m, d);
  Matrix y(m, e);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < d; ++j) x(i, j) = sa(i, j) - meanA[j];
    for (std::size_t j = 0; j < e; ++j) y(i, j) = sb(i, j) - meanB[j];
  }
  if (ridge > 0.0) {
    for (std::size_t j = 0; j < d; ++j) x(n + j, j) = std::ldexp(std::sqrt(ridge), -ea);
  }
  const int mm = blasInt(m, "rows");
  const int dd = blasInt(d, "columns of a");
  const int ee = blasInt(e, "columns of b");
  // The factorisation runs detachably (detachable.hpp): it owns x and y while it runs.
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(d) * static_cast<double>(d + 2 * e);
  std::tie(x, y) = detachable(flops, [=, x = std::move(x), y = std::move(y)]() mutable {
    std::vector<double> tau(d);
    checkLapack(LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, mm, dd, x.data(), dd, tau.data()), "dgeqrf");
    // Rank test on R's diagonal, as for a rank-revealing factorisation of a well-scaled A_c.
    double largest = 0.0;
    for (std::size_t k = 0; k < d; ++k) largest = std::max(largest, std::fabs(x(k, k)));
    const double threshold = std::numeric_limits<double>::epsilon() * static_cast<double>(std::max(m, d)) * largest;
    for (std::size_t k = 0; k < d; ++k) {
      if (largest == 0.0 || std::fabs(x(k, k)) <= threshold) {
        throw Error(ErrorCode::Degenerate, "affine map: the centred representation a has rank < " + std::to_string(d) +
                                               " (N = " + std::to_string(n) +
                                               "), so the map is not unique; set ridge > 0");
      }
    }
    checkLapack(LAPACKE_dormqr(LAPACK_ROW_MAJOR, 'L', 'T', mm, ee, dd, x.data(), dd, tau.data(), y.data(), ee), "dormqr");
    return std::make_pair(std::move(x), std::move(y));
  });
  // R W = (QᵀY)[0:d]: solved in place in the first d rows of Y.
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, dd, ee, 1.0, x.data(), dd, y.data(),
              ee);
  AffineFit fit{Matrix(d, e), std::vector<double>(meanB)};
  for (std::size_t i = 0; i < d; ++i) std::copy_n(y.row(i), e, fit.weights.row(i));
  if (ea != eb) {
    // W = 2^(eb−ea) W̃ can overflow, or fall below double's normal range and lose digits (or vanish): a
    // map whose weights are not those of the fit. Refused when that changes a prediction by more than
    // rounding would: per column j, Σ_i max|ã_i − μ̃_i|·|W̃_ij − W̃'_ij| (W̃' = the weights as stored,
    // scaled back) against 4ε times the prediction's own size.
    scaleByPowerOfTwo(fit.weights.data(), fit.weights.data(), fit.weights.size(), eb - ea);
    const auto finite = [](double v) { return std::isfinite(v); };
    if (!std::all_of(fit.weights.data(), fit.weights.data() + fit.weights.size(), finite)) {
      throw Error(ErrorCode::Numerical, "affine map: the fitted weights exceed the range of double precision "
                                        "(the two inputs differ too much in magnitude)");
    }
    std::vector<double> spreadA(d, 0.0), sizeB(e, 0.0), lost(e, 0.0), size(e, 0.0);
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t i = 0; i < d; ++i) spreadA[i] = std::max(spreadA[i], std::fabs(sa(r, i) - meanA[i]));
      for (std::size_t j = 0; j < e; ++j) sizeB[j] = std::max(sizeB[j], std::fabs(sb(r, j)));
    }
    for (std::size_t i = 0; i < d; ++i) {
      for (std::size_t j = 0; j < e; ++j) {
        const double stored = std::ldexp(fit.weights(i, j), ea - eb);  // exact: a power of two of a stored double
        lost[j] += spreadA[i] * std::fabs(y(i, j) - stored);
        size[j] += spreadA[i] * std::fabs(y(i, j));
      }
    }
    for (std::size_t j = 0; j < e; ++j) {
      if (lost[j] > 4.0 * std::numeric_limits<double>::epsilon() * (size[j] + sizeB[j])) {
        throw Error(ErrorCode::Numerical, "affine map: the fitted weights fall below the range of double precision "
                                          "(the two inputs differ too much in magnitude); multiply b by a large power "
                                          "of two, or a by a small one, first");
      }
    }
  }
  // b = 2^eb (μ̃_B − W̃ᵀμ̃_A), with W̃ the weights as stored (scaled back), so that b fits the stored W.
  for (std::size_t i = 0; i < d; ++i) {
    for (std::size_t j = 0; j < e; ++j) fit.bias[j] -= meanA[i] * std::ldexp(fit.weights(i, j), ea - eb);
  }
  if (eb != 0) {
    scaleByPowerOfTwo(fit.bias.data(), fit.bias.data(), fit.bias.size(), eb);
    const auto finite = [](double v) { return std::isfinite(v); };
    if (!std::all_of(fit.bias.begin(), fit.bias.end(), finite)) {
      throw Error(ErrorCode::Numerical, "affine map: the fitted bias exceeds the range of double precision "
                                        "(the two inputs differ too much in magnitude)");
    }
  }
  return fit;
}

Matrix applyAffineMap(const AffineFit& fit, MatrixView a) {
  if (a.cols != fit.weights.rows()) throw Error(ErrorCode::Shape, "affine map: a has the wrong number of columns");
  Matrix out = Matrix::uninitialized(a.rows, fit.weights.cols());
  for (std::size_t i = 0; i < a.rows; ++i) std::copy(fit.bias.begin(), fit.bias.end(), out.row(i));
  gemm(Trans::No, Trans::No, 1.0, a, fit.weights, 1.0, out);
  return out;
}

}  // namespace nnsim
