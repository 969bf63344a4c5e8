import { KycSignatureGuard, kycSignature, verifyKycSignature } from './kyc-signature.guard';

describe(KycSignatureGuard.name, () => {
  const secret = 'whsec_test';
  const body = Buffer.from('{"provider":"acme","reason":"kyc passed"}');
  const now = 1_790_000_000_000;
  const ts = String(now / 1000);

  it('accepts a correct signature within the window', () => {
    expect(verifyKycSignature(secret, ts, kycSignature(secret, ts, body), body, 300, now)).toBe('ok');
  });

  it('rejects a signature over a different body or with another secret', () => {
    expect(verifyKycSignature(secret, ts, kycSignature(secret, ts, Buffer.from('{}')), body, 300, now)).toBe(
      'bad-signature',
    );
    expect(verifyKycSignature(secret, ts, kycSignature('other', ts, body), body, 300, now)).toBe(
      'bad-signature',
    );
  });

  it('rejects a timestamp older than the window even with a valid signature (replay)', () => {
    const old = String(now / 1000 - 301);
    expect(verifyKycSignature(secret, old, kycSignature(secret, old, body), body, 300, now)).toBe('stale');
  });

  it('rejects missing headers and a missing secret', () => {
    expect(verifyKycSignature(secret, undefined, 'x', body, 300, now)).toBe('missing');
    expect(verifyKycSignature(undefined, ts, kycSignature(secret, ts, body), body, 300, now)).toBe('missing');
  });

  it('signs timestamp + "." + body (the example in docs/verification.md)', () => {
    const body =
      '{"provider":"acme-kyc","reason":"identity verified","user":{"userId":"u-42","level":"identity","residenceCountry":"US"}}';
    expect(kycSignature('whsec_example', '1795000000', body)).toBe(
      'sha256=6020b3e00827ec58c334b5f2d458c8d7b0942b8a3ed6dd8adf788e95108b7fde',
    );
  });
});
