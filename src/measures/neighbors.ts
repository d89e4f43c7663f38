/**
 * Neighbourhood-based measures: agreement of the inputs' k-nearest-neighbour sets (native/core/neighbors.cpp).
 */
import type { MeasureDefinition } from '../measure-types.js';

export const neighborsDefinitions = [] as const satisfies readonly MeasureDefinition[];
