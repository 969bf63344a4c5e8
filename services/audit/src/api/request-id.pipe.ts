import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** A request id as the contracts allow it (1–128 characters). */
@Injectable()
export class RequestIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || value.length < 1 || value.length > 128)
      throw new BadRequestException('id must be a request id');
    return value;
  }
}
