// The k-NN list agreement of the neighbourhood measures (native/core/neighbors.cpp), for the permutation
// test (inference.cpp): a row permutation of one input only relabels its k-NN lists, so the measure under
// a permutation is the agreement of a's lists with b's relabelled lists — nothing is searched again.
#pragma once

#include <optional>
#include <string>

#include "distances.hpp"

namespace nnsim {

enum class KnnAgreement { Jaccard, Rank, JointRankJaccard };

// The agreement that measure `id` averages (knn-jaccard, rank-similarity, joint-rank-jaccard); none for
// any other id.
std::optional<KnnAgreement> knnAgreementOf(const std::string& id);

// Mean over inputs i of the agreement of row i of `a` with row i of `b` (same n and k).
double meanKnnAgreement(const KnnLists& a, const KnnLists& b, KnnAgreement what);

}  // namespace nnsim
