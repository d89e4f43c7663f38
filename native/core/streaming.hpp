// Streaming accumulators: measures computed from statistics accumulated over batches of rows, so the
// N inputs never have to be in memory at once, and shards accumulated on different machines merge
// exactly.
//
// Most feature-space measures are functions of the sufficient statistics (n, x̄, ȳ, and the centred
// co-moments XᵀX, YᵀY, XᵀY): CKA (linear, biased), the CCA family, Procrustes, the shape metrics,
// linear regression, Bures, GULP, eigenspace overlap and the magnitude difference. Concentricity needs
// one more vector per input (Σ x_i/‖x_i‖, see below); the unbiased and Lange estimators of linear CKA
// need the linear kernels' diagonal sums (three scalars and four vectors, see KernelDiagonalSums). Each
// batch is centred on its own mean and merged by the pairwise update of Chan, Golub & LeVeque (1979,
// "Updating formulae and a pairwise algorithm for computing sample variances"):
// M = M_a + M_b + (n_a n_b / n) δδᵀ with δ the difference of the means,
// never Σxxᵀ − n x̄x̄ᵀ of uncentred sums (which loses every digit when the mean is large against the
// spread). Means are kept relative to a shift (the first row pushed) so that δ is accurate too.
//
// The minibatch CKA of Nguyen, Raghu & Kornblith (2021) accumulates per-minibatch unbiased HSIC instead
// (cka with estimator 'minibatch'); rows are grouped into minibatches of `batch` consecutive rows
// whatever the push sizes, so its value does not depend on how the rows were pushed (but on the order of
// merged shards, which decides the minibatches).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "errors.hpp"
#include "matrix.hpp"
#include "measure.hpp"
#include "moments.hpp"
#include "options.hpp"
#include "rsm.hpp"
#include "run_control.hpp"

namespace nnsim {

struct StreamedMeasure {
  std::string id;
  Options options;
};

// Ids an accumulator can compute (for some options; see requireStreamable).
const std::vector<std::string>& streamableIds();

// Validates the measure's options and throws Error(NotStreamable) when it cannot be computed from
// accumulated statistics, naming the alternatives (a streamable estimator, a row subset).
void requireStreamable(const std::string& id, const Options& options);

// The diagonal sums of the linear kernels about the mean, for the unbiased and Lange CKA estimators
// (Σ_i s_x(i)s_y(i) with s_x(i) = ‖x_i − x̄‖² is not a function of the second moments): with v = x − x̄,
// w = y − ȳ, a = ‖v‖², b = ‖w‖², the sums Σa², Σb², Σab and Σa·v, Σb·v, Σb·w, Σa·w. Moving the centre
// (a merge) needs only these and the co-moments (see Accumulator::shiftedDiagonals).
struct KernelDiagonalSums {
  double aa = 0.0, bb = 0.0, ab = 0.0;
  std::vector<double> av, bv;  // colsA entries
  std::vector<double> bw, aw;  // colsB entries
  KernelDiagonalSums() = default;
  KernelDiagonalSums(std::size_t colsA, std::size_t colsB) : av(colsA), bv(colsA), bw(colsB), aw(colsB) {}
  KernelDiagonalSums& operator+=(const KernelDiagonalSums& o);
};

class Accumulator {
 public:
  // One accumulator for several measures of the same pair of inputs (colsA and colsB features).
  Accumulator(std::vector<StreamedMeasure> measures, std::size_t colsA, std::size_t colsB, Precision precision);

  // Adds row-aligned batches (any number of rows, the same in both). All or nothing: on a shape error,
  // NaN/Inf (the message names the batch and the row), entries outside [2^-200, 2^200) (Error(Numerical)),
  // cancellation or lack of memory the accumulator is unchanged. `control` (else the current run's, if
  // any) is checked at the cancellation points of the passes and products.
  void push(SourceView a, SourceView b, RunControl* control = nullptr);
  // Adds the rows accumulated by `other` (same measures, options, shapes and precision, else
  // Error(State)). All or nothing; `other` is not changed.
  void merge(const Accumulator& other);
  // One outcome per measure, in order.
  std::vector<MeasureOutcome> result() const;

  double rows() const { return count_; }
  std::size_t batches() const { return pushes_; }
  std::size_t colsA() const { return colsA_; }
  std::size_t colsB() const { return colsB_; }
  Precision precision() const { return precision_; }
  const std::vector<StreamedMeasure>& measures() const { return measures_; }

  // The state as named float64 tensors, and its inverse. restore() checks that exactly the expected
  // tensors are present with the expected shapes and finite values (Error(State) otherwise) and changes
  // nothing unless all of them are valid.
  struct Tensor {
    std::vector<std::size_t> shape;
    std::vector<double> values;
  };
  std::map<std::string, Tensor> state() const;
  void restore(const std::map<std::string, Tensor>& tensors);

 private:
  struct Minibatch {
    std::size_t measure = 0;  // index into measures_
    CkaKernel kernel = CkaKernel::Linear;
    CkaBandwidth bandwidth;
    std::size_t batch = 256;
    MinibatchCkaSums sums;
    std::size_t pendingRows = 0;  // rows waiting for a full minibatch
    std::vector<double> pendingA, pendingB;
  };
  // The sufficient statistics of the rows accumulated so far (empty vectors when not needed).
  struct Moments {
    double count = 0.0;
    std::vector<double> shiftA, shiftB;      // the first row accumulated: means are relative to it
    std::vector<double> meanA, meanB;        // mean of (x − shift)
    Matrix comoments;                        // Σ (z − z̄)(z − z̄)ᵀ of z = [x y], upper triangle
    std::vector<double> unitSumA, unitSumB;  // Σ x_i/‖x_i‖ (concentricity)
    KernelDiagonalSums diagonals;            // the linear kernels' diagonal sums (unbiased and Lange CKA)
  };

  // Bytes of working memory the accumulator allocates at its peak (its statistics, a push, result());
  // the constructor refuses with Error(OutOfMemory) when it exceeds memoryLimit() (measure.hpp).
  double workingMemory() const;
  void requireMemory() const;
  // into ← into ∪ from (Chan et al.'s pairwise update; shifts reconciled). Allocates only D-sized vectors.
  void combine(Moments& into, const Moments& from) const;
  // `sums` of a set of `n` rows with centred co-moments `comoments` (upper triangle), about the point
  // (d, e) away from the set's mean instead.
  KernelDiagonalSums shiftedDiagonals(const KernelDiagonalSums& sums, const Matrix& comoments, double n,
                                      const std::vector<double>& d, const std::vector<double>& e) const;
  // Adds rows to a minibatch estimator: full minibatches are evaluated, the rest waits in `pending`.
  void addMinibatchRows(Minibatch& m, SourceView a, SourceView b) const;

  std::vector<StreamedMeasure> measures_;
  std::size_t colsA_;
  std::size_t colsB_;
  Precision precision_;
  bool needMoments_ = false;
  bool needUnitSums_ = false;
  bool needDiagonals_ = false;
  std::size_t pushes_ = 0;
  double count_ = 0.0;
  Moments moments_;
  std::vector<Minibatch> minibatches_;
};

}  // namespace nnsim
