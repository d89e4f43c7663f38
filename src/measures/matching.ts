/**
 * Alignment-based measures that match neurons to neurons: optimal assignment, optimal transport,
 * subspace matching (native/core/matching.cpp). Family: alignment.
 */
import type { MeasureDefinition } from '../measure-types.js';

export const matchingDefinitions = [] as const satisfies readonly MeasureDefinition[];
