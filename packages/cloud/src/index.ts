export * from './adapter.ts';
export * from './credentials.ts';
export * from './sim/index.ts';
export { createAdapter } from './factory.ts';
export * from './focus/index.ts';
export * from './prices.ts';
