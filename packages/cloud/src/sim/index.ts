export { createSimAdapter, simUtilizationHistory, type SimOptions } from './sim-adapter.ts';
export { SimSettingsError, simSettingsSchema, type SimSettings } from './settings.ts';
export type { SimUtilizationDay } from './utilization.ts';
export { useSimStore, type SimStore } from './state.ts';
export { pgSimStore, sharedSimCloud } from './pg-store.ts';
