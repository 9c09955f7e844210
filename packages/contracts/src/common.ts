import { z } from 'zod';

/** A UUID, the type of every id in the API. */
export const Uuid = z.uuid().describe('A UUID');

/** The body of every error response: a message, or for 422 the list of bad fields. */
export const ErrorResponse = z
  .object({
    detail: z.union([
      z.string(),
      z.array(
        z.object({
          loc: z.array(z.union([z.string(), z.number()])).describe('Where the bad value is, e.g. ["body", "email"]'),
          msg: z.string(),
          type: z.string(),
          node_ids: z.array(z.string()).optional().describe('For an invalid tree graph: the offending nodes'),
        }),
      ),
    ]),
  })
  .meta({ id: 'ErrorResponse' })
  .describe('An error: `detail` is a message, or for 422 one entry per invalid field');
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** `{"count": N}`, the answer of every count endpoint. */
export const CountResponse = z.object({ count: z.number().int().nonnegative() }).meta({ id: 'CountResponse' });
export type CountResponse = z.infer<typeof CountResponse>;

/** Paging parameters shared by list endpoints. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size (1–200)'),
  offset: z.coerce.number().int().min(0).default(0).describe('Items to skip'),
});

/** `{items, total}`, the shape of every list response. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int().nonnegative() });
}

export const IdParams = z.object({ id: Uuid });
