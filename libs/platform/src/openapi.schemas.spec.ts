import type { OpenAPIObject } from '@nestjs/swagger';
import { strictRequestSchemas } from './openapi.schemas';

describe(strictRequestSchemas.name, () => {
  const document = (): OpenAPIObject => ({
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    paths: {
      '/v1/things': {
        post: {
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Body' } } } },
          responses: {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Out' } } },
            },
          },
        },
      },
    },
    components: {
      schemas: {
        Body: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string' },
            nick: { type: 'string' },
            kind: { type: 'string', enum: ['a', 'b'] },
            inner: { $ref: '#/components/schemas/Inner' },
            list: { type: 'array', items: { $ref: '#/components/schemas/Inner' } },
          },
        },
        Inner: { type: 'object', properties: { x: { type: 'number' } } },
        Out: { type: 'object', properties: { y: { type: 'string' } } },
      },
    },
  });

  it('closes every object a request body reaches and makes its optional properties nullable', () => {
    const sut = strictRequestSchemas(document()).components!.schemas!;
    expect(sut['Body']).toMatchObject({
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        nick: { type: 'string', nullable: true },
        kind: { enum: ['a', 'b', null], nullable: true },
        inner: { allOf: [{ $ref: '#/components/schemas/Inner' }], nullable: true },
      },
    });
    expect((sut['Body'] as { properties: Record<string, object> }).properties['name']).not.toHaveProperty(
      'nullable',
    );
    expect(sut['Inner']).toMatchObject({
      additionalProperties: false,
      properties: { x: { nullable: true } },
    });
  });

  it('leaves response schemas open', () => {
    expect(strictRequestSchemas(document()).components!.schemas!['Out']).not.toHaveProperty(
      'additionalProperties',
    );
  });
});
