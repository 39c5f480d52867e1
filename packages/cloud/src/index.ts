export * from './adapter.ts';
export * from './credentials.ts';
export * from './sim/index.ts';
export { createAdapter } from './factory.ts';
export * from './focus/index.ts';
export {
  adapterKindOf,
  adapterResolver,
  deleteCredentials,
  loadCredentials,
  resolveAdapter,
  storeCredentials,
  type CredentialOwner,
} from './account-credentials.ts';
export * from './prices.ts';
export { TERRAFORM_TYPES, terraformAttributeOf, type TerraformTypeInfo } from './terraform-types.ts';
