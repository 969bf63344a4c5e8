import { BaseEnv, InvalidEnvironmentError, MongoEnv, validateEnv } from './base.env';

describe(validateEnv.name, () => {
  it('applies defaults and converts numbers and booleans', () => {
    const env = validateEnv(BaseEnv, {
      KAFKA_BROKERS: 'a:9092,b:9092',
      KAFKA_EXACTLY_ONCE: 'true',
      PORT: '3100',
    });

    expect(env).toMatchObject({
      KAFKA_TOPIC_PARTITIONS: 3,
      KAFKA_EXACTLY_ONCE: true,
      PORT: 3100,
      LOG_LEVEL: 'info',
    });
  });

  it('names a missing variable', () => {
    expect(() => validateEnv(MongoEnv, { KAFKA_BROKERS: 'a:9092' })).toThrow(/MONGODB_URI is missing/);
  });

  it('names a bad variable and says what it must be', () => {
    let error: unknown;
    try {
      validateEnv(BaseEnv, { KAFKA_BROKERS: 'no-port', KAFKA_TOPIC_PARTITIONS: '0' });
    } catch (err) {
      error = err;
    }

    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect((error as InvalidEnvironmentError).message).toMatch(/^Invalid environment variables: /);
    expect((error as InvalidEnvironmentError).problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^KAFKA_BROKERS: .*host:port/),
        expect.stringMatching(/^KAFKA_TOPIC_PARTITIONS: /),
      ]),
    );
  });
});
