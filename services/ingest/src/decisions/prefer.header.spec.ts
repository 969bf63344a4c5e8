import { parsePrefer } from './prefer.header';

describe(parsePrefer.name, () => {
  const sut = parsePrefer;

  it('reads nothing from an absent header', () => {
    expect(sut(undefined)).toEqual({ respondAsync: false });
  });

  it('reads wait in seconds', () => {
    expect(sut('wait=5')).toEqual({ respondAsync: false, waitSeconds: 5 });
    expect(sut('WAIT = "3"')).toEqual({ respondAsync: false, waitSeconds: 3 });
  });

  it('caps wait at the maximum', () => {
    expect(sut('wait=60').waitSeconds).toBe(10);
    expect(sut('wait=60', 2).waitSeconds).toBe(2);
  });

  it('reads several preferences, in one header or several, with parameters', () => {
    expect(sut('respond-async, wait=4;foo=bar')).toEqual({ respondAsync: true, waitSeconds: 4 });
    expect(sut(['handling=lenient', 'wait=2'])).toEqual({ respondAsync: false, waitSeconds: 2 });
  });

  it('takes the first instance of a repeated preference', () => {
    expect(sut('wait=2, wait=7').waitSeconds).toBe(2);
  });

  it('ignores a wait it does not understand', () => {
    expect(sut('wait=-1').waitSeconds).toBeUndefined();
    expect(sut('wait=1.5').waitSeconds).toBeUndefined();
    expect(sut('wait').waitSeconds).toBeUndefined();
    expect(sut('wait=soon').waitSeconds).toBeUndefined();
  });
});
