/**
 * CCA-based measures: canonical correlations between the two representations (native/core/cca.cpp).
 */
import type { MeasureDefinition } from '../measure-types.js';

export const ccaDefinitions = [] as const satisfies readonly MeasureDefinition[];
