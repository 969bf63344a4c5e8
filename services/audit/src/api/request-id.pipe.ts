import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { ID_LENGTH } from '@clearance/contracts';
import { stringOf } from '@clearance/platform';

/** The path parameter's OpenAPI schema: the same bound as the pipe's. */
export const REQUEST_ID_SCHEMA = stringOf(ID_LENGTH);

/** A request id as the contracts allow it (1–128 characters, counted as code points like JSON Schema does). */
@Injectable()
export class RequestIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    const length = typeof value === 'string' ? [...value].length : -1;
    if (typeof value !== 'string' || length < ID_LENGTH.minLength || length > ID_LENGTH.maxLength)
      throw new BadRequestException('id must be a request id');
    return value;
  }
}
