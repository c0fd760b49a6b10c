export { PasswordHasher } from './password-hasher.js';
export { TokenService, createAuthenticator, type Authenticate, type TokenClaims, type TokenServiceOptions } from './token-service.js';
export { AttachmentSigner, type UrlGrant } from './attachment-signer.js';
