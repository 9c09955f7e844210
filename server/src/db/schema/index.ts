export * from './accounts.ts';
export * from './trees.ts';
export * from './sessions.ts';
export * from './integrations.ts';
export * from './handoffs.ts';
