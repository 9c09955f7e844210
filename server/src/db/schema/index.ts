export * from './accounts.ts';
export * from './trees.ts';
export * from './sessions.ts';
