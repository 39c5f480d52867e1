export { credentialsKeys, generateKey, Keyring, parseKeyring, VaultError } from './keyring.ts';
export { openSecret, rewrapSecret, sealSecret, type EncryptedSecret, type SecretContext } from './envelope.ts';
