import { BadRequestException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { sanitizeFilter } from 'mongoose';
import { buildRequestFilter, decodeCursor, encodeCursor } from './request-filter.builder';
import { RequestPageQueryDto } from './request-filter.dto';

function validate(query: Record<string, unknown>): string[] {
  const dto = plainToInstance(RequestPageQueryDto, query);
  return validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);
}

/** The filter as the server receives it: mongoose's trusted marks are symbols and never serialised. */
function withoutSymbols(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSymbols);
  if (value instanceof Date || typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSymbols(v)]));
}

describe(buildRequestFilter.name, () => {
  it('maps each filter to its field, the reason to the reasons array', () => {
    const sut = buildRequestFilter({
      userId: 'u1',
      organizationId: 'o1',
      ip: '203.0.113.7',
      country: 'IR',
      outcome: 'deny',
      reason: 'GEO_EMBARGOED_COUNTRY',
      model: 'frontier-1',
      tier: 'frontier',
      policyVersion: '7',
    });
    expect(sut).toEqual({
      userId: 'u1',
      organizationId: 'o1',
      ip: '203.0.113.7',
      country: 'IR',
      outcome: 'deny',
      reasons: 'GEO_EMBARGOED_COUNTRY',
      model: 'frontier-1',
      tier: 'frontier',
      policyVersion: '7',
    });
  });

  it('bounds the time range and continues after the cursor, newest first', () => {
    const time = new Date('2026-11-27T02:00:00.000Z');
    const sut = buildRequestFilter(
      { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      { time, requestId: 'r9' },
    );
    expect(withoutSymbols(sut)).toEqual({
      time: { $gte: new Date('2026-11-01T00:00:00Z'), $lt: new Date('2026-12-01T00:00:00Z'), $lte: time },
      $or: [{ time: { $lt: time } }, { time, _id: { $lt: 'r9' } }],
    });
  });

  it('keeps its own operators through sanitizeFilter', () => {
    const filter = buildRequestFilter(
      { userId: 'u1', from: '2026-11-01T00:00:00Z' },
      { time: new Date(0), requestId: 'r' },
    );
    const sut = withoutSymbols(sanitizeFilter(filter));
    expect(sut).toEqual({
      userId: 'u1',
      time: { $gte: new Date('2026-11-01T00:00:00Z'), $lte: new Date(0) },
      $or: [{ time: { $lt: new Date(0) } }, { time: new Date(0), _id: { $lt: 'r' } }],
    });
  });

  it('refuses an operator smuggled in as a value', () => {
    expect(() => buildRequestFilter({ userId: { $gt: '' } as unknown as string })).toThrow(
      BadRequestException,
    );
  });

  it('refuses an empty or inverted range', () => {
    expect(() => buildRequestFilter({ from: '2026-12-01T00:00:00Z', to: '2026-11-01T00:00:00Z' })).toThrow(
      BadRequestException,
    );
  });
});

describe(RequestPageQueryDto.name, () => {
  it('accepts well-formed filters', () => {
    expect(
      validate({
        userId: 'u1',
        country: 'US',
        outcome: 'allow',
        reason: 'NET_VPN',
        limit: '20',
        from: '2026-11-01T00:00:00Z',
      }),
    ).toEqual([]);
  });

  it.each([
    [{ userId: { $gt: '' } }, 'userId'],
    [{ $where: 'sleep(1000)' }, '$where'],
    [{ 'userId[$ne]': 'x' }, 'userId[$ne]'],
    [{ country: { $regex: '.*' } }, 'country'],
    [{ outcome: 'maybe' }, 'outcome'],
    [{ ip: 'not-an-ip' }, 'ip'],
    [{ limit: '100000' }, 'limit'],
    [{ userId: ['a', 'b'] }, 'userId'],
  ])('refuses %j', (query, property) => {
    expect(validate(query)).toContain(property);
  });
});

describe(decodeCursor.name, () => {
  it('reads back what it issued', () => {
    const c = { time: new Date('2026-11-27T02:00:00.000Z'), requestId: 'req-1' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it('refuses a forged cursor', () => {
    expect(() => decodeCursor(Buffer.from('{"$gt":1}').toString('base64url'))).toThrow(BadRequestException);
  });
});
