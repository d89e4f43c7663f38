// Second moments of row-aligned inputs, computed over bounded blocks of rows. A block of rows of each input
// is converted to float64 (from float32 sources), shifted by a centre and written side by side into a
// scratch buffer [X_b − 1c_xᵀ, Y_b − 1c_yᵀ]; one dsyrk of that buffer adds all of XᵀX, YᵀY and XᵀY of
// the block at once (the joint product costs the same flops as two syrk and a gemm, in one BLAS call over
// data that was read from memory once). Neither a centred copy nor a float64 copy of a whole input is
// ever made. These are the kernels of Representation's feature-space products and of the streaming
// accumulators (streaming.hpp).
//
// Every BLAS call does at most about kPanelFlops of work (a large block product is split into panels of
// columns) with a cancellation point (run_control.hpp) between calls, so a product over many rows or wide
// inputs stops promptly when its run is aborted.
#pragma once

#include <cstddef>
#include <vector>

#include "matrix.hpp"

namespace nnsim {

// 'double' (default): float64 arithmetic throughout. 'single': the block products run in float32
// (ssyrk/sgemm, about twice the speed) and are added into the float64 result every 8192 rows, so float32
// rounding grows with that many rows, not with N.
enum class Precision { Double, Single };
const char* precisionName(Precision p);

// One input of a product: its rows, the centre subtracted from each row (nullptr: none), and for
// 'single' precision the power of two the rows are scaled by before they are rounded to float32: rows
// are converted as (x − centre)·2^-exponent and the products scaled back by 2^(e + e') when they are
// added into the float64 result, so float32 squares neither overflow (|x| above ~2^60) nor underflow.
// Choose exponent = ilogb(max |x − centre|) or ilogb(max |x|) + 1 (anything within a few powers of two of
// it). Ignored by 'double' products.
struct MomentInput {
  SourceView source;
  const double* centre = nullptr;
  int exponent = 0;
};

// Rows per block for a scratch buffer `width` elements wide: about 16 MB, at least 64 rows.
std::size_t momentBlockRows(std::size_t width, Precision precision);

// out (D × D, D = Σ cols of the inputs) += Σ z_i z_iᵀ over rows [begin, end), z_i the concatenation of the
// inputs' rows minus their centres. Only the upper triangle of `out` is updated (mirrorUpper fills the
// rest; see linalg.hpp). A single float64 input without centre is multiplied in place (no scratch).
void accumulateMoments(const std::vector<MomentInput>& inputs, std::size_t begin, std::size_t end, Precision precision,
                       Matrix& out);

// Σ z_i z_iᵀ over all rows of the inputs (which have the same rows) as a new D × D matrix: the upper
// triangle only, the lower one is left uninitialised (mirrorUpper of linalg.hpp fills it). The first
// block's product writes it (beta = 0), so a large output is never zero-filled first. When `squares` is
// given and the rows pass through the scratch blocks, it receives Σ_i ‖x_i − c‖² of each input, in
// float64 before any rounding to float32, taken while the blocks are in cache; else it is left empty.
Matrix momentsOf(const std::vector<MomentInput>& inputs, Precision precision, std::vector<double>* squares = nullptr);

// out (Dx × Dy) += Σ (x_i − c_x)(y_i − c_y)ᵀ over rows [begin, end), by gemm on blocks (no copy for float64
// inputs without centre). When `squares` is given and both inputs are copied into blocks, it receives
// Σ_i ‖x_i − c_x‖² and Σ_i ‖y_i − c_y‖² from the blocks while they are in cache (else it is left empty).
struct SquaredNorms {
  bool valid = false;
  double x = 0.0;
  double y = 0.0;
};
void accumulateCross(const MomentInput& x, const MomentInput& y, std::size_t begin, std::size_t end, Precision precision,
                     Matrix& out, SquaredNorms* squares = nullptr);

// Copies rows [begin, begin + count) of `input` minus its centre into dst (row stride `stride`, starting at
// column `offset`), as float64 or float32 (scaled by 2^-exponent, see MomentInput). Parallel over rows.
// `squares` (optional) is increased by the sum of the squares of the float64 values x − centre (before
// any scaling or rounding to float32; summed per chunk of rows, then in row order).
void copyCentredRows(const MomentInput& input, std::size_t begin, std::size_t count, double* dst, std::size_t stride,
                     std::size_t offset, double* squares = nullptr);
void copyCentredRows(const MomentInput& input, std::size_t begin, std::size_t count, float* dst, std::size_t stride,
                     std::size_t offset, double* squares = nullptr);

}  // namespace nnsim
