import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

const require = createRequire(import.meta.url);

/** FlowPilot's mark (the app's favicon). */
const MARK =
  '<rect width="32" height="32" rx="7" fill="#1c7ed6"/><path d="M8 22 L14 12 L18 18 L24 9" stroke="#fff" stroke-width="3" fill="none" stroke-linecap="round" stroke-linejoin="round"/><circle cx="24" cy="9" r="2.5" fill="#fff"/>';
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">${MARK}</svg>`;
/** The mark and "FlowPilot API" in white, for Swagger UI's dark top bar. */
const WORDMARK = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 40" width="200" height="40"><g transform="translate(0 4)">${MARK}</g><text x="42" y="28" fill="#fff" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="21" font-weight="700" textLength="154" lengthAdjust="spacingAndGlyphs">FlowPilot API</text></svg>`;

/**
 * ReDoc's sidebar shows Redocly's logo from Redocly's CDN; no FlowPilot page
 * loads anything from another host, so the bundle is served with a local
 * picture in its place.
 */
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const REDOC_LOCAL_LOGO = '/api/redoc/logo-mini.svg';
const DOC_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M4 1.5h5.5L13 5v9.5H4z" fill="none" stroke="#32329f" stroke-width="1.4" stroke-linejoin="round"/><path d="M6 8h5M6 10.5h5" stroke="#32329f" stroke-width="1.2"/></svg>';

/** The app's own system fonts for ReDoc, whose defaults (Roboto, Montserrat) are web fonts. */
const REDOC_THEME = {
  typography: {
    fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    headings: { fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
    code: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
  },
};

/** The OpenAPI document generated from the route schemas, Swagger UI at /api/docs and ReDoc at /api/redoc. */
export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'FlowPilot API',
        version: '1',
        description:
          'Guided troubleshooting, escalation and pickup for IT help desks and MSPs. ' +
          'Errors are `{"detail": ...}`; 422 lists each invalid field with its location.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          oauth2: { type: 'oauth2', flows: { password: { tokenUrl: '/api/v1/auth/login', scopes: {} } } },
        },
      },
      tags: [
        { name: 'auth', description: 'Sign-in, tokens, registration' },
        { name: 'users', description: 'Team members and roles' },
        { name: 'team', description: 'Team settings and invites' },
        { name: 'trees', description: 'Decision trees: library, search, versions, import and export' },
        { name: 'operations', description: 'Health and readiness' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { persistAuthorization: true, displayRequestDuration: true },
    // The logo goes into the page as a data: URL: no request at all.
    logo: { type: 'image/svg+xml', content: Buffer.from(WORDMARK), href: '/api/docs', target: '_self' },
    theme: {
      title: 'API docs · FlowPilot',
      favicon: [{ filename: 'favicon.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: Buffer.from(FAVICON) }],
    },
  });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const redocBundlePath = require.resolve('redoc/bundles/redoc.standalone.js');
  let redocBundle: Promise<string> | null = null;
  app.get('/api/redoc/redoc.standalone.js', { schema: { hide: true } }, async (_request, reply) => {
    redocBundle ??= readFile(redocBundlePath, 'utf8').then((js) => js.replaceAll(REDOC_CDN_LOGO, REDOC_LOCAL_LOGO));
    reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400');
    return redocBundle;
  });
  app.get('/api/redoc/logo-mini.svg', { schema: { hide: true } }, async (_request, reply) => {
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400');
    return DOC_ICON;
  });
  app.get('/api/redoc/favicon.svg', { schema: { hide: true } }, async (_request, reply) => {
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400');
    return FAVICON;
  });
  app.get('/api/redoc', { schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API reference · FlowPilot</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/svg+xml" href="/api/redoc/favicon.svg">
<style>body { margin: 0; }</style></head>
<body><redoc spec-url="/api/openapi.json"></redoc>
<script>document.querySelector('redoc').setAttribute('theme', ${JSON.stringify(JSON.stringify(REDOC_THEME))});</script>
<script src="/api/redoc/redoc.standalone.js"></script></body></html>`;
  });
}
