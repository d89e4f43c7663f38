#include "alignment_maps.hpp"

#include <algorithm>
#include <cmath>

#include "errors.hpp"
#include "linalg.hpp"
#include "measure.hpp"

namespace nnsim {
namespace {

const std::vector<double>& meansFor(const Representation& r, bool center) {
  static const std::vector<double> none;
  return center ? r.columnMeans() : none;
}

SideMap sideMap(const Representation& r, bool center, Matrix transform) {
  SideMap map;
  map.mean = center ? r.columnMeans() : std::vector<double>(r.cols(), 0.0);
  map.transform = std::move(transform);
  return map;
}

// The orthogonal Q (k × k, k = max(rows, cols) of `cross`) maximising tr(Qᵀ C) for C = cross zero-padded
// to k × k: Q = U Vᵀ from C = U S Vᵀ (Schönemann 1966). The optimal rotation of X (zero-padded) onto Y.
Matrix procrustesRotation(MatrixView cross) {
  const std::size_t k = std::max(cross.rows, cross.cols);
  Matrix padded(k, k);
  for (std::size_t i = 0; i < cross.rows; ++i) std::copy_n(cross.row(i), cross.cols, padded.row(i));
  const Svd svd = thinSvd(padded);
  return multiply(svd.u, Trans::No, svd.vt, Trans::No);
}

// The first `rows` rows of `m` (for T_a = the part of the padded rotation that acts on X's columns).
Matrix leadingRows(const Matrix& m, std::size_t rows) {
  Matrix out = Matrix::uninitialized(rows, m.cols());
  std::copy_n(m.data(), rows * m.cols(), out.data());
  return out;
}

// [I 0]: D × k, the zero-padding of D columns to k.
Matrix padding(std::size_t d, std::size_t k) {
  Matrix out(d, k);
  for (std::size_t j = 0; j < d; ++j) out(j, j) = 1.0;
  return out;
}

// Orthogonal Procrustes of X (centred or not) onto Y, zero-padded to k = max(D, D′): T_a = Q[0:D], T_b = [I 0].
AlignmentMap rotationMap(const RepresentationPair& pair, bool center, MapScore score) {
  const Representation& a = pair.a();
  const Representation& b = pair.b();
  const MatrixView y = b.raw();
  const Matrix cross = centeredCrossProduct(a.raw(), meansFor(a, center), &y, meansFor(b, center));
  const Matrix rotation = procrustesRotation(cross);
  const std::size_t k = rotation.rows();
  return {sideMap(a, center, leadingRows(rotation, a.cols())), sideMap(b, center, padding(b.cols(), k)), score};
}

AlignmentMap procrustesMap(const RepresentationPair& pair, const Options& options) {
  return rotationMap(pair, options.flag("center"), options.flag("normalize") ? MapScore::Chord : MapScore::Euclidean);
}

AlignmentMap angularShapeMap(const RepresentationPair& pair, const Options&) {
  return rotationMap(pair, true, MapScore::Angular);
}

AlignmentMap alignedCosineMap(const RepresentationPair& pair, const Options&) {
  return rotationMap(pair, false, MapScore::RowCosine);
}

AlignmentMap shapeMetricMap(const RepresentationPair& pair, const Options& options) {
  const double alpha = options.number("alpha");
  const Whitening wa = partialWhitening(pair.a(), alpha);
  const Whitening wb = partialWhitening(pair.b(), alpha);
  const Matrix rotation = procrustesRotation(multiply(wa.shape, Trans::Yes, wb.shape, Trans::No));
  const std::size_t k = rotation.rows();
  const Matrix ta = multiply(wa.transform, Trans::No, leadingRows(rotation, wa.shape.cols()), Trans::No);
  const Matrix tb = multiply(wb.transform, Trans::No, padding(wb.shape.cols(), k), Trans::No);
  const MapScore score = options.choice("distance") == "euclidean" ? MapScore::Chord : MapScore::Angular;
  return {sideMap(pair.a(), true, ta), sideMap(pair.b(), true, tb), score};
}

// Least squares X_c ≈ Y_c B (ReSi's LinearRegression: the first input predicted from the second), B the
// minimum-norm solution V diag(1/s) Uᵀ X_c on Y_c's numerical rank, or the ridge solution
// V diag(s/(s² + λ)) Uᵀ X_c (Hoerl & Kennard 1970). a's side is the identity: the score compares the
// centred target with its prediction.
AlignmentMap linearRegressionMap(const RepresentationPair& pair, const Options& options) {
  const Representation& a = pair.a();
  const Representation& b = pair.b();
  // λ is in the units of the second input's squared singular values: scaled with it, as the measure does.
  const double lambda = std::ldexp(options.number("lambda"), -2 * b.scaleExponent());
  Matrix coefficients(b.cols(), a.cols());  // zero: a constant predictor explains nothing
  if (!b.isConstant(Centering::Columns)) {
    const Svd& svd = b.svd(Centering::Columns);
    const std::size_t rank = lambda > 0.0 ? svd.s.size() : numericalRank(svd.s, b.rows(), b.cols());
    Matrix projected = multiply(svd.u, Trans::Yes, a.data(Centering::Columns), Trans::No);  // k × D
    for (std::size_t j = 0; j < projected.rows(); ++j) {
      const double s = svd.s[j];
      const double f = j >= rank ? 0.0 : lambda > 0.0 ? s / (s * s + lambda) : 1.0 / s;
      for (std::size_t c = 0; c < projected.cols(); ++c) projected(j, c) *= f;
    }
    coefficients = multiply(svd.vt, Trans::Yes, projected, Trans::No);  // D′ × D
  }
  return {sideMap(a, true, padding(a.cols(), a.cols())), sideMap(b, true, std::move(coefficients)), MapScore::RSquared};
}

using MapFit = AlignmentMap (*)(const RepresentationPair&, const Options&);

// The units of a map's aligned rows, for the magnitude rule (representation.hpp): fitted on the rows as
// the core holds them (2^-e × the caller's), a map is brought back to the caller's units by scaling its
// means by 2^e and its transform by 2^(o − e), o the exponent of its output:
//   Input: each side's own (rotations: o = e, the transform is unitless);
//   Shape: none (whitened shapes are scale-free: o = 0);
//   Target: the first input's (regression: both sides predict A, o = e_a).
enum class MapUnits { Input, Shape, Target };

struct MapEntry {
  const char* id;
  MapFit fit;
  MapUnits units;
};

const std::vector<MapEntry>& mapEntries() {
  static const std::vector<MapEntry> entries = {
      {"procrustes", procrustesMap, MapUnits::Input},
      {"angular-shape", angularShapeMap, MapUnits::Input},
      {"shape-metric", shapeMetricMap, MapUnits::Shape},
      {"linear-regression", linearRegressionMap, MapUnits::Target},
      {"aligned-cosine", alignedCosineMap, MapUnits::Input},
  };
  return entries;
}

const MapEntry& mapEntry(const std::string& id) {
  for (const MapEntry& e : mapEntries()) {
    if (id == e.id) return e;
  }
  std::string list;
  for (const MapEntry& e : mapEntries()) list += (list.empty() ? "" : ", ") + std::string(e.id);
  throw Error(ErrorCode::Option, "measure '" + id + "' does not fit a map, so it has no cross-validated score; the measures "
                                 "that fit one are: " + list);
}

// A side fitted at scale exponent e, its output at exponent o, in the caller's units.
void toCallerUnits(SideMap& side, int e, int o) {
  for (double& m : side.mean) m = std::ldexp(m, e);
  const int factor = o - e;
  for (std::size_t i = 0; i < side.transform.size(); ++i) side.transform.data()[i] = std::ldexp(side.transform.data()[i], factor);
  const auto finite = [](double v) { return std::isfinite(v); };
  if (!std::all_of(side.mean.begin(), side.mean.end(), finite) ||
      !std::all_of(side.transform.data(), side.transform.data() + side.transform.size(), finite)) {
    throw Error(ErrorCode::Numerical, "the fitted map's entries exceed the range of double precision in the inputs' units "
                                      "(the inputs' entries are too large or too small): rescale the inputs");
  }
}

double norm(MatrixView m) { return std::sqrt(frobeniusNormSquared(m)); }

Matrix unitScaled(MatrixView m, const char* which) {
  const double n = norm(m);
  if (!(n > 0.0)) {
    throw Error(ErrorCode::Degenerate, std::string("the aligned ") + which +
                                           " representation of the held-out rows is zero (no variation to compare)");
  }
  Matrix out = Matrix::copyOf(m);
  for (std::size_t i = 0; i < out.size(); ++i) out.data()[i] /= n;
  return out;
}

double differenceNorm(MatrixView a, MatrixView b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = a.data[i] - b.data[i];
    sum += d * d;
  }
  return std::sqrt(sum);
}

}  // namespace

Whitening partialWhitening(const Representation& r, double alpha) {
  if (r.isConstant(Centering::Columns)) {
    throw Error(ErrorCode::Degenerate, "the shape metric is undefined: a representation has all rows equal");
  }
  const Svd& svd = r.svd(Centering::Columns);
  const std::size_t rank = numericalRank(svd.s, r.rows(), r.cols());
  double total = 0.0;
  for (std::size_t j = 0; j < rank; ++j) total += svd.s[j] * svd.s[j];
  const double scale = std::sqrt(total);
  std::vector<double> gain(rank);
  double gainNorm = 0.0;
  for (std::size_t j = 0; j < rank; ++j) {
    gain[j] = alpha * (svd.s[j] / scale) + (1.0 - alpha);
    gainNorm += gain[j] * gain[j];
  }
  gainNorm = std::sqrt(gainNorm);
  Whitening w{Matrix::uninitialized(r.rows(), rank), Matrix::uninitialized(r.cols(), rank)};
  for (std::size_t i = 0; i < r.rows(); ++i) {
    for (std::size_t j = 0; j < rank; ++j) w.shape(i, j) = svd.u(i, j) * gain[j] / gainNorm;
  }
  for (std::size_t c = 0; c < r.cols(); ++c) {
    for (std::size_t j = 0; j < rank; ++j) w.transform(c, j) = svd.vt(j, c) * gain[j] / (svd.s[j] * gainNorm);
  }
  return w;
}

const std::vector<std::string>& alignmentMapIds() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> out;
    for (const MapEntry& e : mapEntries()) out.emplace_back(e.id);
    return out;
  }();
  return ids;
}

AlignmentMap fitAlignmentMap(const std::string& id, const RepresentationPair& pair, const Options& options) {
  const MapEntry& e = mapEntry(id);
  const MeasureDef* def = findMeasure(id);
  if (def == nullptr) throw Error(ErrorCode::Internal, "alignment map of an unregistered measure '" + id + "'");
  if (pair.rows() < def->minRows) {
    throw Error(ErrorCode::TooFewRows, "fitting the map of '" + id + "' needs at least " + std::to_string(def->minRows) +
                                           " rows; got " + std::to_string(pair.rows()));
  }
  return e.fit(pair, options.isResolvedFor(def->options) ? options : options.resolved(def->options, "measure '" + id + "'"));
}

AlignmentMap alignmentMapOf(const std::string& id, const RepresentationPair& pair, const Options& options,
                            const RunControl& control) {
  const RunControl::Scope scope(&control);
  AlignmentMap map = fitAlignmentMap(id, pair, options);
  const int ea = pair.a().scaleExponent(), eb = pair.b().scaleExponent();
  if (ea == 0 && eb == 0) return map;
  switch (mapEntry(id).units) {
    case MapUnits::Input:
      toCallerUnits(map.a, ea, ea);
      toCallerUnits(map.b, eb, eb);
      break;
    case MapUnits::Shape:
      toCallerUnits(map.a, ea, 0);
      toCallerUnits(map.b, eb, 0);
      break;
    case MapUnits::Target:
      toCallerUnits(map.a, ea, ea);
      toCallerUnits(map.b, eb, ea);
      break;
  }
  return map;
}

Matrix applySideMap(const SideMap& map, MatrixView x) {
  Matrix centred = Matrix::uninitialized(x.rows, x.cols);
  for (std::size_t i = 0; i < x.rows; ++i) {
    for (std::size_t j = 0; j < x.cols; ++j) centred(i, j) = x(i, j) - map.mean[j];
  }
  return multiply(centred, Trans::No, map.transform, Trans::No);
}

double scoreAlignedRows(MapScore score, MatrixView a, MatrixView b, int ea, int eb) {
  switch (score) {
    case MapScore::Euclidean: {
      // The one score in the inputs' units: both sides at the larger scale, the norm scaled back.
      const int common = std::max(ea, eb);
      double value;
      if (ea == eb) {
        value = differenceNorm(a, b);
      } else {
        Matrix sa = Matrix::uninitialized(a.rows, a.cols), sb = Matrix::uninitialized(b.rows, b.cols);
        scaleByPowerOfTwo(a.data, sa.data(), a.size(), ea - common);
        scaleByPowerOfTwo(b.data, sb.data(), b.size(), eb - common);
        value = differenceNorm(sa, sb);
      }
      value = std::ldexp(value, common);
      if (!std::isfinite(value)) {
        throw Error(ErrorCode::Numerical, "the held-out distance exceeds the range of double precision (the inputs' entries are too large)");
      }
      return value;
    }
    case MapScore::Chord: return differenceNorm(unitScaled(a, "first"), unitScaled(b, "second"));
    case MapScore::Angular: {
      // Near 0, arccos of a cosine ≈ 1 loses half the digits: there θ = 2·asin(chord/2) (as alignment.cpp).
      const Matrix ua = unitScaled(a, "first");
      const Matrix ub = unitScaled(b, "second");
      const double cosine = std::clamp(dot(ua.data(), ub.data(), ua.size()), -1.0, 1.0);
      if (cosine < 0.5) return std::acos(cosine);
      return 2.0 * std::asin(std::min(1.0, differenceNorm(ua, ub) / 2.0));
    }
    case MapScore::RowCosine: {
      double sum = 0.0;
      std::size_t counted = 0;
      for (std::size_t i = 0; i < a.rows; ++i) {
        const double na = std::sqrt(dot(a.row(i), a.row(i), a.cols));
        const double nb = std::sqrt(dot(b.row(i), b.row(i), b.cols));
        if (na == 0.0 || nb == 0.0) continue;
        sum += std::clamp(dot(a.row(i), b.row(i), a.cols) / (na * nb), -1.0, 1.0);
        ++counted;
      }
      if (counted == 0) {
        throw Error(ErrorCode::Degenerate, "aligned cosine is undefined on these rows: each has a zero row in one input");
      }
      return sum / static_cast<double>(counted);
    }
    case MapScore::RSquared: {
      double total = 0.0;
      for (std::size_t j = 0; j < a.cols; ++j) {
        double mean = 0.0;
        for (std::size_t i = 0; i < a.rows; ++i) mean += a(i, j);
        mean /= static_cast<double>(a.rows);
        for (std::size_t i = 0; i < a.rows; ++i) total += (a(i, j) - mean) * (a(i, j) - mean);
      }
      if (!(total > 0.0)) {
        throw Error(ErrorCode::Degenerate, "R² is undefined on these rows: the predicted representation has all rows equal");
      }
      const double residual = differenceNorm(a, b);
      return 1.0 - residual * residual / total;
    }
  }
  throw Error(ErrorCode::Internal, "unknown map score");
}

}  // namespace nnsim
