import { z } from 'zod';
import { buildOpenApi, openApiPath } from './openapi';
import { defineRoute } from './route';

const Thing = z.object({ id: z.string(), n: z.number().int() }).meta({ id: 'TestThing' });

const routes = [
  defineRoute({
    method: 'GET',
    url: '/v1/things/:id',
    operationId: 'getThing',
    summary: 'One thing',
    tag: 't',
    auth: ['ops'],
    params: z.object({ id: z.string().describe('Thing id') }),
    query: z.object({ verbose: z.enum(['yes', 'no']).optional() }),
    successStatus: 200,
    responses: { 200: { description: 'ok', schema: z.object({ thing: Thing }) } },
    handler: async () => ({}),
  }),
  defineRoute({
    method: 'GET',
    url: '/healthz',
    operationId: 'health',
    summary: 'up',
    tag: 'ops',
    auth: 'public',
    successStatus: 200,
    responses: { 200: { description: 'ok' } },
    handler: async () => ({}),
  }),
];

describe('buildOpenApi', () => {
  const doc = buildOpenApi(routes, { title: 't', version: '1' });

  it('turns fastify params into OpenAPI templates and parameters', () => {
    expect(openApiPath('/v1/a/:x/b/:y')).toBe('/v1/a/{x}/b/{y}');
    const op = doc.paths['/v1/things/{id}']!['get'] as { parameters: unknown[] };
    expect(op.parameters).toEqual([
      { name: 'id', in: 'path', required: true, description: 'Thing id', schema: { type: 'string' } },
      { name: 'verbose', in: 'query', required: false, schema: { type: 'string', enum: ['yes', 'no'] } },
    ]);
  });

  it('moves schemas with a meta id into components and refers to them', () => {
    expect(doc.components.schemas['TestThing']).toMatchObject({ type: 'object', required: ['id', 'n'] });
    expect(JSON.stringify(doc.paths)).toContain('"$ref":"#/components/schemas/TestThing"');
    expect(JSON.stringify(doc)).not.toContain('#/definitions/');
  });

  it('marks public operations as needing no security and others with their roles', () => {
    expect(doc.paths['/healthz']!['get']).toMatchObject({ security: [] });
    expect(doc.paths['/v1/things/{id}']!['get']).toMatchObject({ 'x-roles': ['ops'] });
  });
});
