import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

const require = createRequire(import.meta.url);

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
  });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const redocBundle = require.resolve('redoc/bundles/redoc.standalone.js');
  app.get('/api/redoc/redoc.standalone.js', { schema: { hide: true } }, async (_request, reply) => {
    reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400');
    return readFile(redocBundle);
  });
  app.get('/api/redoc', { schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FlowPilot API — ReDoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/api/openapi.json"></redoc><script src="/api/redoc/redoc.standalone.js"></script></body></html>`;
  });
}
