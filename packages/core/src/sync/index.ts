export * from './default-sync-manager.js';
export * from './discovery.js';
export * from './local-state.js';
export * from './phase-machine.js';
export * from './sync-metrics.js';
export * from './sync-session.js';
