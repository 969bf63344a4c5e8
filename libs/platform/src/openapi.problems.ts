import type { OpenAPIObject } from '@nestjs/swagger';

const PROBLEM_TYPE = 'application/problem+json';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: the problem document names each field in `errors`',
  401: 'Missing or invalid credentials (`WWW-Authenticate` says which scheme)',
  403: 'The credential may not do this',
  404: 'Not found',
  405: 'Method not allowed on this path (`Allow` lists the methods)',
  409: 'Conflict with an earlier request',
  413: 'Body too large',
  414: 'URI too long',
  415: 'Unsupported media type or charset: send UTF-8 JSON',
  429: 'Rate limit exceeded (`Retry-After` in seconds)',
  500: 'Internal error',
  503: 'A dependency did not answer (`Retry-After` in seconds)',
};

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

export interface ProblemDocumentation {
  /** Statuses every `/v1` operation of the service can answer besides what its decorators say (e.g. 429, 503). */
  statuses?: number[];
}

type Operation = {
  parameters?: { in?: string }[];
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, { description?: string; content?: Record<string, unknown> }>;
};

/**
 * Makes the document say what the servers do: every error is `application/problem+json` with one schema, and
 * each `/v1` operation lists the statuses the platform answers on its own (400 for input, 401 when secured, 404
 * with path parameters, 413/415 with a body, 405 for other methods, plus what the service names).
 */
export function documentProblems(document: OpenAPIObject, options: ProblemDocumentation = {}): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas['Problem'] = PROBLEM_SCHEMA;
  const ref = { $ref: '#/components/schemas/Problem' };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const statuses = new Set<number>([400]);
      if (path.startsWith('/v1/')) {
        statuses.add(405);
        if (op.security !== undefined || document.security !== undefined) statuses.add(401);
        if (path.includes('{')) statuses.add(404);
        if (op.requestBody !== undefined) [413, 415].forEach((s) => statuses.add(s));
        for (const s of options.statuses ?? []) statuses.add(s);
      }
      for (const status of statuses)
        op.responses[String(status)] ??= { description: DESCRIPTIONS[status] ?? '' };
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        response.description ||= DESCRIPTIONS[Number(status)] ?? 'Error';
        response.content = { [PROBLEM_TYPE]: { schema: ref } };
      }
    }
  }
  return document;
}
