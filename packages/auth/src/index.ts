export { authPlugin, type AuthOptions } from './auth.plugin.ts';
export { authenticate, type AuthIdentity } from './authenticate.ts';
export { DEFAULT_ROLE_PERMISSIONS } from './permissions.ts';
export { bootstrapOrganization, type BootstrapInput, type BootstrapResult } from './bootstrap.ts';
export { createApiToken, parseInput, revokeApiToken, type CreateApiTokenInput, type IssuedApiToken } from './tokens.ts';
export { generateToken, hashToken, type GeneratedToken } from './token.ts';
export { PERMISSION_CATALOGUE, PERMISSION_NAMES, STRATUS_ROLES, type PermissionName, type StratusRole } from '@stratus/db';
export { hashPassword, password, verifyPassword } from './passwords.ts';
export { createTeam, deleteTeam, grantAccount, listAccountGrants, listTeams, removeTeamMember, revokeAccountGrant, setTeamMember, updateTeam } from './teams.ts';
