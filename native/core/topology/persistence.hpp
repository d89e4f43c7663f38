// Vietoris–Rips persistent homology in dimensions 0 and 1 of a finite metric space given by a dense
// distance matrix, over the field Z/2.
//
// Written from the description in Bauer 2021, "Ripser: efficient computation of Vietoris–Rips persistence
// barcodes" (J. Appl. Comput. Topology 5), using its four techniques:
//   - cohomology instead of homology (the coboundary matrix has far fewer columns to reduce in dim 1),
//   - clearing (edges that kill a 0-dimensional class are never reduced in dimension 1),
//   - implicit matrices (simplices are numbered by the combinatorial number system and coboundaries are
//     enumerated on the fly from the distance matrix; only the reduction matrix V is stored),
//   - emergent pairs (a column whose first coface has the same diameter and is not yet a pivot is
//     already reduced; most columns end there without building their coboundary).
// The filtration orders simplices by diameter; ties are broken by combinatorial index (larger index first),
// as in Ripser. The multiset of bars of positive length does not depend on the tie-breaking.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include "../matrix.hpp"
#include "../options.hpp"
#include "../run_control.hpp"

namespace nnsim::topology {

struct Bar {
  double birth = 0.0;
  double death = std::numeric_limits<double>::infinity();  // +inf: the class never dies (essential)
};

struct PersistenceOptions {
  int maxDim = 1;  // 0 or 1
  // Only simplices of diameter <= threshold enter the filtration (classes alive at the threshold are
  // essential). Infinity: the full filtration.
  double threshold = std::numeric_limits<double>::infinity();
};

// The options of the public persistence entry point: maxDim (0 or 1, default 1), threshold (≥ 0;
// absent: the full filtration) and input ('distances': an N × N distance matrix, or 'points': the
// Euclidean distances of the rows of a point cloud). Resolve given options against this spec, then
// read them with persistenceOptions().
const OptionSpecs& persistenceOptionSpecs();
PersistenceOptions persistenceOptions(const Options& resolved);

// bars[d] holds the bars of dimension d (d = 0 .. maxDim), bars of zero length left out, in the order
// they are found. Every birth and death is an entry of the distance matrix (or 0, or +inf).
struct Barcodes {
  std::vector<std::vector<Bar>> bars;
};

// `distances` is N x N; only the strict lower triangle (i > j) is read, the diagonal is taken as 0.
// Entries must be finite and non-negative (checked by the callers that take user input).
// `control` (optional) is polled for cancellation.
Barcodes ripsPersistence(MatrixView distances, const PersistenceOptions& options, const RunControl* control = nullptr);

// The same for a full symmetric matrix that the computation may take over (no copy; the diagonal is
// set to 0). For internal callers that build the matrix themselves (RTD's cross matrices).
Barcodes ripsPersistence(Matrix&& symmetric, const PersistenceOptions& options, const RunControl* control = nullptr);

// Barcodes of the Euclidean distances between the rows of `points` (N × D), in the points' own units
// (validated as a Representation; when its magnitude rule scaled the points by 2^-e, the threshold is
// scaled with them and the bars scaled back).
Barcodes pointCloudPersistence(MatrixView points, const PersistenceOptions& options, const RunControl* control = nullptr);

// Checks a user-supplied distance matrix: square, every entry finite and >= 0, zero diagonal, and
// symmetric (|d_ij − d_ji| <= 1e-12·max|d|, so roundoff of a symmetric computation passes). Throws
// Error(Shape | NonFinite | Degenerate) naming the first offending entry.
void validateDistanceMatrix(MatrixView distances);

// Sum of the lengths of the finite bars of dimension 1 (RTD's score of one cross-barcode).
double finiteBarLengthSum(const std::vector<Bar>& bars);

}  // namespace nnsim::topology
