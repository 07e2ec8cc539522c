import { http, startTestApp, TestApp } from '../support/test-app';

describe('operational surface', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers liveness and readiness without a key', async () => {
    const live = await http(t, 'GET', '/health/live', { key: null });
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await http(t, 'GET', '/health/ready', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('gives every response, errors included, a req_ request id', async () => {
    const ok = await http(t, 'GET', '/health/live', { key: null });
    const error = await http(t, 'GET', '/v1/environments', { key: null });
    for (const response of [ok, error]) expect(response.headers.get('request-id')).toMatch(/^req_[0-9A-Za-z]{24}$/);
    expect(error.body.request_id).toBe(error.headers.get('request-id'));
  });

  it('answers an unknown route with a 404 in the error envelope', async () => {
    const response = await http(t, 'GET', '/v1/no-such-thing');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: expect.any(String) },
      request_id: response.headers.get('request-id'),
    });
  });

  it('reports not ready once the database is gone', async () => {
    const other = await startTestApp();
    await other.db.close();
    const ready = await http(other, 'GET', '/health/ready', { key: null });
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', database: 'down' });
    await other.app.close();
    await other.database.drop();
  });
});
