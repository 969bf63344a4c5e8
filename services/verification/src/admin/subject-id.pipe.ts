import { Injectable, type PipeTransform } from '@nestjs/common';
import { ID_LENGTH } from '@clearance/contracts';
import { FieldValidationException, stringOf } from '@clearance/platform';

/**
 * 1–128 characters (code points, as JSON Schema counts them), none of them a control character (`%00`, `%0A` … in a
 * path would reach logs and queries).
 */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/u;

/** The path parameter's OpenAPI schema: the same rule as the pipe's. */
export const SUBJECT_ID_SCHEMA = {
  ...stringOf(ID_LENGTH),
  pattern: NO_CONTROL_CHARACTERS.source,
} as const;

export function isSubjectId(value: string): boolean {
  const length = [...value].length;
  return length >= ID_LENGTH.minLength && length <= ID_LENGTH.maxLength && NO_CONTROL_CHARACTERS.test(value);
}

/** Validates a user or organisation id taken from the admin path: 400 naming the parameter. */
@Injectable()
export class SubjectIdPipe implements PipeTransform<string, string> {
  constructor(private readonly name: string) {}

  transform(value: string): string {
    if (!isSubjectId(value)) {
      throw new FieldValidationException([
        { field: this.name, message: `${this.name} must be 1-128 characters without control characters` },
      ]);
    }
    return value;
  }
}
