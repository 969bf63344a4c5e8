/** The auditor API over HTTP, as an auditor's tool would call it. */
export class AuditApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  withToken(token: string | undefined): AuditApiClient {
    return new AuditApiClient(this.baseUrl, token);
  }

  async get(pathAndQuery: string): Promise<{ status: number; body: unknown; text: string; type: string }> {
    const res = await fetch(`${this.baseUrl}${pathAndQuery}`, {
      headers: this.token === undefined ? {} : { authorization: `Bearer ${this.token}` },
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text, type: res.headers.get('content-type') ?? '' };
  }

  async json<T>(pathAndQuery: string): Promise<T> {
    const res = await this.get(pathAndQuery);
    if (res.status !== 200)
      throw new Error(`GET ${pathAndQuery} answered ${res.status}: ${res.text.slice(0, 300)}`);
    return res.body as T;
  }
}
