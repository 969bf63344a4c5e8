import { fieldErrors, type FieldError } from '@clearance/platform';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AccessRequestBodyDto } from './access-request.dto';

export type ItemValidation = { ok: true; body: AccessRequestBodyDto } | { ok: false; errors: FieldError[] };

/** Validates one batch item exactly as the single-request route validates its body. */
export function validateBatchItem(item: unknown): ItemValidation {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { ok: false, errors: [{ field: '', message: 'each request must be a JSON object' }] };
  }
  const body = plainToInstance(AccessRequestBodyDto, item);
  const errors = validateSync(body, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  return errors.length > 0 ? { ok: false, errors: fieldErrors(errors) } : { ok: true, body };
}
