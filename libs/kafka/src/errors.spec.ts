import { KafkaJSError } from 'kafkajs';
import { BrokerUnavailableError, isTransientError, TransientError } from './errors';

describe(isTransientError.name, () => {
  it.each([
    ['our TransientError', new TransientError('db down'), true],
    ['a publish timeout', new BrokerUnavailableError('no ack'), true],
    ['a retriable kafkajs error', new KafkaJSError('leader not available', { retriable: true }), true],
    ['a non-retriable kafkajs error', new KafkaJSError('message too large', { retriable: false }), false],
    [
      'a MongoDB server selection error',
      Object.assign(new Error('no server'), { name: 'MongoServerSelectionError' }),
      true,
    ],
    ['a bug', new TypeError('cannot read properties of undefined'), false],
    ['a thrown string', 'boom', false],
  ])('%s → %s', (_label, err, expected) => {
    expect(isTransientError(err)).toBe(expected);
  });
});
