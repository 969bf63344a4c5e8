import { registerDecorator, type ValidationOptions } from 'class-validator';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 date-time (what OpenAPI's `format: date-time` means) that is a real instant: a calendar date that
 * exists, hours ≤ 23, minutes and seconds ≤ 59 (no leap second: JavaScript's Date cannot hold one), an offset
 * within ±23:59. Unlike `@IsISO8601({ strict: true })` it takes years before 1000 (validator.js drops their
 * leading zeros when it checks the date) and refuses date-only and week forms the document does not promise.
 */
export function isDateTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offH = 0, offM = 0] = m.slice(1).map((s) => Number(s ?? 0));
  const daysInMonth = new Date(Date.UTC(2000, month!, 0)).getUTCDate(); // month days in a leap year
  const leap = (year! % 4 === 0 && year! % 100 !== 0) || year! % 400 === 0;
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= (month === 2 && !leap ? 28 : daysInMonth) &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    offH <= 23 &&
    offM <= 59
  );
}

/** `@IsDateTime()`: see `isDateTime`. */
export function IsDateTime(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDateTime',
      target: target.constructor,
      propertyName: String(propertyName),
      ...(options ? { options } : {}),
      validator: {
        validate: isDateTime,
        defaultMessage: () => '$property must be an RFC 3339 date-time, e.g. 2026-11-27T03:00:00Z',
      },
    });
}
