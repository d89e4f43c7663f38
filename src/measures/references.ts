/** Papers that define measures of more than one family (cited from each family's file). */

/** The k-NN measures (Jaccard, rank, joint rank-Jaccard) and the magnitude and concentricity statistics. */
export const wang2020 = {
  citation:
    'Wang, Rao, Guo, Wang, Liu, Guan 2020, "Towards understanding the instability of network embedding", IEEE Transactions on Knowledge and Data Engineering 34(2):927–941 (2022; online 2020)',
  url: 'https://scholar.xjtu.edu.cn/en/publications/towards-understanding-the-instability-of-network-embedding/',
} as const;
