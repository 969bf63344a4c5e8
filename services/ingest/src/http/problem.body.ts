import type { FieldError } from '@clearance/platform';
import { STATUS_CODES } from 'node:http';

/**
 * A problem document for one item of a batch, shaped like the platform's ProblemDetailsFilter answers (type,
 * title, status, detail, instance, errors), since the item never travels through the filter.
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
}

export function problemBody(
  status: number,
  detail: string,
  errors?: FieldError[],
  instance?: string,
): ProblemBody {
  return {
    type: `https://clearance.dev/problems/${status}`,
    title: status === 413 ? 'Content Too Large' : (STATUS_CODES[status] ?? 'Error'),
    status,
    detail,
    ...(instance !== undefined ? { instance } : {}),
    ...(errors !== undefined && errors.length > 0 ? { errors } : {}),
  };
}
