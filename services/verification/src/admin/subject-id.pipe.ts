import { Injectable, type PipeTransform } from '@nestjs/common';
import { FieldValidationException } from '@clearance/platform';

/** 1–128 characters, none of them a control character (`%00`, `%0A` … in a path would reach logs and queries). */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
export const SUBJECT_ID_PATTERN = /^[^\u0000-\u001f\u007f]{1,128}$/;

/** Validates a user or organisation id taken from the admin path: 400 naming the parameter. */
@Injectable()
export class SubjectIdPipe implements PipeTransform<string, string> {
  constructor(private readonly name: string) {}

  transform(value: string): string {
    if (!SUBJECT_ID_PATTERN.test(value)) {
      throw new FieldValidationException([
        { field: this.name, message: `${this.name} must be 1-128 characters without control characters` },
      ]);
    }
    return value;
  }
}
