import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CategoryList,
  CompareQuery,
  CreateTreeBody,
  ErrorResponse,
  ExportQuery,
  IdParams,
  ImportReport,
  ImportTreesBody,
  ListTreesQuery,
  PageQuery,
  RestoreTreeBody,
  SearchResults,
  SearchTreesQuery,
  TreeBody,
  TreeComparison,
  TreeList,
  TreeResponse,
  TreeVersionList,
  TreeVersionQuery,
  UpdateTreeBody,
  UpdateTreeHeaders,
  ValidationReport,
} from '@flowpilot/contracts';
import { currentUser } from '../../lib/auth-guard.ts';
import { errors, sendFile } from '../../lib/http.ts';
import type { TreesService } from './trees.service.ts';

/** Imports may carry a whole library. */
const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;

export const treesRoutes: FastifyPluginAsyncZod<{ trees: TreesService }> = async (app, { trees }) => {
  const tags = ['trees'];
  const security = [{ bearer: [] }];
  const fileResponse = z.string().describe('The file');

  app.get(
    '/trees',
    {
      config: { access: 'member' },
      schema: {
        tags,
        security,
        summary: 'The tree library (technicians see published trees; authors also drafts, and archived ones on request)',
        querystring: ListTreesQuery,
        response: { 200: TreeList, ...errors(401, 422) },
      },
    },
    async (request) => trees.list(currentUser(request), request.query),
  );

  app.get(
    '/trees/categories',
    {
      config: { access: 'member' },
      schema: { tags, security, summary: 'Categories with how many trees each holds', response: { 200: CategoryList, ...errors(401) } },
    },
    async (request) => trees.categories(currentUser(request)),
  );

  app.get(
    '/trees/search',
    {
      config: { access: 'member' },
      schema: {
        tags,
        security,
        summary: 'Ranked full-text search over titles, descriptions, tags and node text, tolerant of typos',
        querystring: SearchTreesQuery,
        response: { 200: SearchResults, ...errors(401, 422) },
      },
    },
    async (request) => trees.search(currentUser(request), request.query),
  );

  app.get(
    '/trees/export',
    {
      config: { access: 'member' },
      schema: {
        tags,
        security,
        summary: 'Every tree you can see, as one JSON bundle',
        querystring: ListTreesQuery.pick({ status: true, category: true, tag: true }),
        response: { 200: fileResponse, ...errors(401, 422) },
      },
    },
    async (request, reply) => sendFile(reply, await trees.exportBundle(currentUser(request), request.query)),
  );

  app.post(
    '/trees/import',
    {
      config: { access: 'engineer' },
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags,
        security,
        summary: 'Import trees: one tree or a bundle as JSON, or a Mermaid flowchart; reports per tree what was created',
        body: ImportTreesBody,
        response: { 200: ImportReport, ...errors(401, 403, 413, 422) },
      },
    },
    async (request) => trees.import(currentUser(request), request.body),
  );

  app.post(
    '/trees/validate',
    {
      config: { access: 'engineer' },
      schema: {
        tags,
        security,
        summary: 'Check a tree without saving it',
        body: TreeBody.extend({ tree_id: z.uuid().optional().describe('The tree being edited, if saved before') }),
        response: { 200: ValidationReport, ...errors(401, 403, 422) },
      },
    },
    async (request) => trees.validate(currentUser(request), request.body, request.body.tree_id),
  );

  app.post(
    '/trees',
    {
      config: { access: 'engineer' },
      schema: {
        tags,
        security,
        summary: 'Create a tree (version 1); an invalid graph is 422 naming the nodes',
        body: CreateTreeBody,
        response: { 201: TreeResponse, ...errors(401, 403, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(await trees.create(currentUser(request), request.body)),
  );

  app.get(
    '/trees/:id',
    {
      config: { access: 'member' },
      schema: {
        tags,
        security,
        summary: 'A tree: the newest version, or `?version=N`',
        description: 'Sends an `ETag` that changes with every saved version; `PUT /trees/{id}` takes the newest one in `If-Match`, and `If-None-Match` with it answers 304.',
        params: IdParams,
        querystring: TreeVersionQuery,
        response: { 200: TreeResponse, 304: z.null().describe('Not modified (If-None-Match)'), ...errors(401, 404, 422) },
      },
    },
    // Sent pre-serialised (the TreeResponse schema above documents it): a 200-node tree is read often and never changes per version.
    async (request, reply) => {
      const { etag, json } = await trees.getJson(currentUser(request), request.params.id, request.query.version, request.headers['if-none-match']);
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (json === null) return reply.status(304).send(null);
      return reply.type('application/json; charset=utf-8').send(json as never);
    },
  );

  app.put(
    '/trees/:id',
    {
      config: { access: 'engineer' },
      schema: {
        tags,
        security,
        summary: 'Save a new version; 409 if someone saved since `base_version`, 412 if since the `If-Match` ETag',
        description:
          'Optimistic locking, either way or both: `base_version` in the body (a newer saved version is 409) or `If-Match` with the `ETag` of `GET /trees/{id}` (a newer saved version is 412; a header that is not an ETag is 400). With neither the save applies over the newest version, as for clients of the original API. The answer carries the new version\'s `ETag`.',
        params: IdParams,
        headers: UpdateTreeHeaders,
        body: UpdateTreeBody,
        response: { 200: TreeResponse, ...errors(400, 401, 403, 404, 409, 422), 412: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { tree, etag } = await trees.update(currentUser(request), request.params.id, request.body, request.headers['if-match']);
      return reply.header('etag', etag).send(tree);
    },
  );

  app.delete(
    '/trees/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Delete a tree (admin); refused while other trees link to it',
        params: IdParams,
        response: { 204: z.null().describe('Deleted'), ...errors(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await trees.remove(currentUser(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/trees/:id/versions',
    {
      config: { access: 'member' },
      schema: {
        tags,
        security,
        summary: 'The saved versions of a tree, newest first',
        params: IdParams,
        querystring: PageQuery,
        response: { 200: TreeVersionList, ...errors(401, 404, 422) },
      },
    },
    async (request) => trees.versions(currentUser(request), request.params.id, request.query.limit, request.query.offset),
  );

  app.get(
    '/trees/:id/compare',
    {
      config: { access: 'member' },
      schema: {
        tags,
        security,
        summary: 'What changed between two versions',
        params: IdParams,
        querystring: CompareQuery,
        response: { 200: TreeComparison, ...errors(401, 404, 422) },
      },
    },
    async (request) => trees.compare(currentUser(request), request.params.id, request.query.from, request.query.to),
  );

  app.post(
    '/trees/:id/restore',
    {
      config: { access: 'engineer' },
      schema: {
        tags,
        security,
        summary: 'Bring an old version back as a new version',
        params: IdParams,
        body: RestoreTreeBody,
        response: { 200: TreeResponse, ...errors(401, 403, 404, 409, 422) },
      },
    },
    async (request) => trees.restore(currentUser(request), request.params.id, request.body.version, request.body.base_version),
  );

  app.get(
    '/trees/:id/export',
    {
      config: { access: 'member' },
      schema: {
        tags,
        security,
        summary: 'Download a tree as JSON or as a Mermaid flowchart',
        params: IdParams,
        querystring: ExportQuery,
        response: { 200: fileResponse, ...errors(401, 404, 422) },
      },
    },
    async (request, reply) =>
      sendFile(reply, await trees.exportTree(currentUser(request), request.params.id, request.query.format, request.query.version)),
  );
};
