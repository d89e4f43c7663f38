/** Command-line flags shared by compare, pairwise and matrix (parseArgs options). */
export const COMMON_FLAGS = {
  measure: { type: 'string', multiple: true, short: 'm' },
  option: { type: 'string', multiple: true, short: 'o' },
  labels: { type: 'string' },
  layout: { type: 'string', multiple: true },
  reshape: { type: 'string' },
  rows: { type: 'string' },
  seed: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;
