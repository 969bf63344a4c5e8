import { Topics } from '@clearance/contracts';
import { aRequestChain } from '@clearance/testing';
import { MAX_RAW_BYTES, prepare } from './audit.store';

describe(prepare.name, () => {
  const c = aRequestChain();
  const msg = (raw: string, offset = '7') => ({
    raw,
    offset,
    headers: { ce_type: 'ai.clearance.access.requested.v1' },
  });

  it('takes what the chain covers from the message', () => {
    const sut = prepare(Topics.AccessRequested, 2, msg(JSON.stringify(c.requested)));
    expect(sut).toMatchObject({
      material: {
        eventId: c.requested.eventId,
        topic: Topics.AccessRequested,
        partition: 2,
        seq: 7,
        requestId: c.requested.requestId,
        eventType: 'ai.clearance.access.requested.v1',
        producer: 'ingest',
        time: c.requested.time,
      },
    });
  });

  it.each([
    ['{not json', 'value is not JSON'],
    ['[1,2]', 'value is not a JSON object'],
    [JSON.stringify({ ...c.requested, eventId: undefined }), 'no usable eventId'],
    [JSON.stringify({ ...c.requested, time: 'yesterday' }), 'no usable time'],
    [JSON.stringify({ ...c.requested, requestId: { $gt: '' } }), 'requestId is not a string'],
    [
      JSON.stringify({ ...c.requested, pad: 'x'.repeat(MAX_RAW_BYTES) }),
      `value larger than ${MAX_RAW_BYTES} bytes`,
    ],
    // fewer characters than the limit, more bytes
    [
      JSON.stringify({ ...c.requested, pad: '€'.repeat(MAX_RAW_BYTES / 2) }),
      `value larger than ${MAX_RAW_BYTES} bytes`,
    ],
  ])('says why %s cannot be stored', (raw, reason) => {
    expect(prepare(Topics.AccessRequested, 0, msg(raw))).toEqual({ reason });
  });

  it('refuses an offset beyond what a number holds exactly', () => {
    expect(prepare(Topics.AccessRequested, 0, msg(JSON.stringify(c.requested), '9007199254740993'))).toEqual({
      reason: 'offset 9007199254740993 is not a safe integer',
    });
  });
});
