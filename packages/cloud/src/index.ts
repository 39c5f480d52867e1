export * from './adapter.ts';
export * from './credentials.ts';
