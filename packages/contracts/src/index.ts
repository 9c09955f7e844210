import './zod-config.ts';
export * from './common.ts';
export * from './users.ts';
export * from './auth.ts';
export * from './team.ts';
export * from './trees.ts';
export * from './tree-validation.ts';
export * from './sessions.ts';
export * from './integrations.ts';
