/** One request as a fake server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

/**
 * Test support: a `fetch` that records each request and answers from `reply` (status 200 with its JSON,
 * or 204 for `undefined`), so HTTP methods can be checked without a server.
 */
export function recordingFetch(reply: (req: RecordedRequest) => { status?: number; json?: unknown } | undefined = () => undefined): {
  fetch: typeof fetch;
  requests: RecordedRequest[];
} {
  const requests: RecordedRequest[] = [];
  const fake = (async (input: URL | RequestInfo, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const req: RecordedRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname + url.search,
      auth: headers['authorization'],
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(req);
    const answer = reply(req);
    if (answer?.json === undefined) return new Response(null, { status: answer?.status ?? 204 });
    return new Response(JSON.stringify(answer.json), { status: answer.status ?? 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetch: fake, requests };
}
