// Witness complexes and relative living times, for the Geometry Score (Khrulkov & Oseledets 2018,
// "Geometry Score: a method for comparing generative adversarial networks", ICML, §3–4).
#pragma once

#include <cstddef>
#include <vector>

#include "../matrix.hpp"
#include "persistence.hpp"

namespace nnsim::topology {

// H1 bars of the (relaxed, weak) witness complex on L landmarks, filtered by the relaxation α
// (de Silva & Carlsson 2004; the construction of GUDHI's WitnessComplex that the reference code uses):
// a witness w α-witnesses σ ⊂ L when max_{l∈σ} d(w, l) ≤ min_{l'∉σ} d(w, l') + α; a simplex enters at the
// smallest α at which it and all its faces are witnessed. Vertices, edges and triangles with α ≤ alphaMax.
// `distances` is N × L: witness i to landmark j. Bars are over Z/2; a class alive at alphaMax has death +inf.
std::vector<Bar> witnessComplexH1(MatrixView distances, double alphaMax);

// RLT(i) (Khrulkov & Oseledets 2018, Eq. 2–3): the fraction of [0, alphaMax] on which exactly i of the
// bars are alive (a bar [b, d) covers b ≤ α < d; infinite deaths count as alphaMax), for i < iMax.
// With no bars RLT = e_0. Sums to 1 when fewer than iMax bars overlap.
std::vector<double> relativeLivingTimes(const std::vector<Bar>& bars, double alphaMax, std::size_t iMax);

}  // namespace nnsim::topology
