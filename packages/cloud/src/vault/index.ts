export { credentialsKeys, generateKey, parseKeyring, type Keyring } from './keyring.ts';
export { openSecret, rewrapSecret, sealSecret, type EncryptedSecret, type SecretContext } from './envelope.ts';
