export {
  createObjectStore,
  ObjectStore,
  ObjectStoreNotConfigured,
  OptionalObjectStore,
  type LifecycleRule,
  type ObjectBody,
  type PutOptions,
  type StoredObject,
} from './object-store.ts';
