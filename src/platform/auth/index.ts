export {
  type ApiKeyInfo,
  ApiKeyStore,
  type CreatedApiKey,
  describeKey,
  KEY_PREFIX,
  type KeyCheck,
  looksLikeApiKey,
} from './keys.ts';
export { isRole, ROLES, type Role, roleAllows } from './roles.ts';
export {
  DEFAULT_TOKEN_TTL_SECONDS,
  InvalidTokenError,
  issueToken,
  type TokenClaims,
  TokenExpiredError,
  verifyToken,
} from './tokens.ts';
