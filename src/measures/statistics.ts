/**
 * Descriptive statistics of each representation, compared across the pair (native/core/statistics.cpp).
 */
import type { MeasureDefinition } from '../measure-types.js';

export const statisticsDefinitions = [] as const satisfies readonly MeasureDefinition[];
