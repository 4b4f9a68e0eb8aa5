/**
 * @hotsync/core/testing: deterministic chain generation for tests, benchmarks and simulations.
 *
 * @packageDocumentation
 */
export * from './generate-chain.js';
export * from './payload-generator.js';
export * from './validator-schedule.js';
