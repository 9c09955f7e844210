import type { CreateTreeBody } from '@flowpilot/contracts';

/** A demo tree: a normal tree body plus the fixed id that other demo trees link to. */
export type DemoTree = CreateTreeBody & { id: string };
