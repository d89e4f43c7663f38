/**
 * Topology-based measures: persistent homology of the representations (native/core/topology.cpp).
 */
import type { MeasureDefinition } from '../measure-types.js';

export const topologyDefinitions = [] as const satisfies readonly MeasureDefinition[];
