import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { connect, Socket } from 'node:net';
import { http, startTestApp, TestApp, eventCount } from '../support/test-app';

/**
 * Clients that send too much or too slowly: an oversized body gets a 413 the
 * client can read, and a client that trickles its request is cut off by the
 * timeouts while everyone else is served. On both databases.
 */
jest.setTimeout(120_000);

const MiB = 1024 * 1024;


describe('oversized bodies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  function expect413(status: number, body: any, headers: Headers): void {
    expect(status).toBe(413);
    expect(body).toEqual({
      type: 'error',
      error: { type: 'request_too_large', message: 'Request body is larger than the limit' },
      request_id: expect.stringMatching(/^req_/),
    });
    expect(headers.get('connection')).toBe('close');
  }

  it('answers a 2 MiB body sent by Node fetch with a readable 413, then serves the next request', async () => {
    const before = await eventCount(t);
    for (let i = 0; i < 3; i++) {
      const response = await http(t, 'POST', '/v1/environments', { body: { name: 'big', description: 'x'.repeat(2 * MiB) } });
      expect413(response.status, response.body, response.headers);
    }
    expect(await eventCount(t)).toBe(before);
    expect((await http(t, 'GET', '/v1/environments')).status).toBe(200);
  });

  it('reads and discards up to 4 times the limit, so that even a 3.9 MiB body gets its 413', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await http(t, 'POST', '/v1/environments', { body: { name: 'bigger', description: 'x'.repeat(3.9 * MiB) } });
      expect413(response.status, response.body, response.headers);
    }
  });

  it('answers a 2 MiB chunked body (no content-length) the same way', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"name":"chunked","description":"'));
        if (sent >= 2 * MiB) {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
          return;
        }
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${t.baseUrl}/v1/environments`, {
      method: 'POST',
      headers: { 'x-api-key': t.key, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect413(response.status, await response.json(), response.headers);
  });

  it('makes the SDK raise an APIError with status 413, not a connection error, without retrying', async () => {
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const client = new Anthropic({ apiKey: t.key, baseURL: t.baseUrl, fetch: counting, maxRetries: 2 });
    let error: unknown;
    try {
      await client.beta.environments.create({ name: 'sdk-big', description: 'y'.repeat(2 * MiB) });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(APIError);
    expect(error).not.toBeInstanceOf(APIConnectionError);
    expect((error as APIError).status).toBe(413);
    expect((error as APIError).error).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    expect(attempts).toBe(1);
  });

  it('stops reading a body far beyond the limit (answering 413 and closing) and keeps serving', async () => {
    const { hostname, port } = new URL(t.baseUrl);
    const received = await new Promise<string>((resolve) => {
      let answer = '';
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST /v1/environments HTTP/1.1\r\nHost: x\r\nx-api-key: ${t.key}\r\ncontent-type: application/json\r\ncontent-length: ${64 * MiB}\r\n\r\n`,
        );
        const chunk = Buffer.alloc(256 * 1024, 'z');
        const pump = () => {
          while (!socket.destroyed && socket.write(chunk)) {
            /* until the kernel buffer is full */
          }
        };
        socket.on('drain', pump);
        pump();
      });
      socket.on('data', (data) => (answer += data.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(answer));
    });
    expect(received).toMatch(/^HTTP\/1\.1 413/);
    expect((await http(t, 'GET', '/v1/environments')).status).toBe(200);
  });
});

describe('slow clients', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SANDBASE_REQUEST_TIMEOUT_MS: '3000', SANDBASE_HEADERS_TIMEOUT_MS: '2000', SANDBASE_KEEP_ALIVE_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => t.close());

  /** Opens a connection, sends `head` then one byte of `trickle` a second; resolves with what came back when the server closes. */
  function trickle(head: string, trickled: string): Promise<{ answer: string; closedAfterMs: number }> {
    const { hostname, port } = new URL(t.baseUrl);
    const started = Date.now();
    return new Promise((resolve) => {
      let answer = '';
      let timer: NodeJS.Timeout | undefined;
      const socket: Socket = connect(Number(port), hostname, () => {
        socket.write(head);
        let i = 0;
        timer = setInterval(() => {
          if (!socket.destroyed && i < trickled.length) socket.write(trickled[i++]);
        }, 1000);
      });
      socket.on('data', (data) => (answer += data.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ answer, closedAfterMs: Date.now() - started });
      });
    });
  }

  it('cuts off a body trickled at 1 byte/s with a 408, while other clients are served', async () => {
    const body = JSON.stringify({ name: 'slow-body', description: 'z'.repeat(100) });
    const slow = trickle(
      `POST /v1/environments HTTP/1.1\r\nHost: x\r\nx-api-key: ${t.key}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
      body,
    );
    const served: number[] = [];
    for (let i = 0; i < 5; i++) {
      served.push((await http(t, 'GET', '/v1/environments')).status);
      await new Promise((r) => setTimeout(r, 300));
    }
    const { answer, closedAfterMs } = await slow;
    expect(served).toEqual([200, 200, 200, 200, 200]);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"message":"The request did not arrive in time"');
    // 3 s allowed, checked every second; far less than the 100+ s the body would take.
    expect(closedAfterMs).toBeLessThan(10_000);
    const list = await http(t, 'GET', '/v1/environments?limit=100');
    expect(list.body.data.map((env: { name: string }) => env.name)).not.toContain('slow-body');
  });

  it('cuts off headers trickled at 1 byte/s (slowloris)', async () => {
    const { answer, closedAfterMs } = await trickle('GET /v1/environments HTTP/1.1\r\nHost: x\r\n', `x-api-key: ${t.key}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(10_000);
  });

  it('closes an idle keep-alive connection', async () => {
    const { answer, closedAfterMs } = await trickle(`GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n`, '');
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(closedAfterMs).toBeLessThan(10_000);
  });
});
