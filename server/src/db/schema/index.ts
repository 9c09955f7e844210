export * from './accounts.ts';
export * from './trees.ts';
