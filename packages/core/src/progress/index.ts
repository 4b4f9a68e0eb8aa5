export * from './progress-tracker.js';
