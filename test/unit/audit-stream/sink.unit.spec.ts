import { backoffMs, decideSinkSettings } from '../../../src/audit-stream/domain/sink';
import { loadConfig } from '../../../src/config/config';

describe('audit sink settings', () => {
  it('takes each type with its own field and the defaults', () => {
    expect(decideSinkSettings({ type: 'webhook', url: 'https://siem.example.com/hook' })).toEqual({ type: 'webhook', target: 'https://siem.example.com/hook', batch_size: 100, max_failures: 10 });
    expect(decideSinkSettings({ type: 'nats', subject: 'audit.acme', batch_size: 1000, max_failures: 1 })).toMatchObject({ target: 'audit.acme', batch_size: 1000, max_failures: 1 });
    expect(decideSinkSettings({ type: 'file', path: 'acme.ndjson' }).target).toBe('acme.ndjson');
    expect(decideSinkSettings({ type: 'stdout', url: null }).target).toBe('-');
  });

  it.each([
    ['a wildcard subject', { type: 'nats', subject: 'audit.*' }, /subject must be/],
    ['an empty subject token', { type: 'nats', subject: 'audit..x' }, /subject must be/],
    ['a path with a directory', { type: 'file', path: 'a/b' }, /path must be/],
    ['a field of another type', { type: 'stdout', path: 'x' }, /path does not apply/],
    ['a URL over 2048 characters', { type: 'webhook', url: `https://example.com/${'a'.repeat(2048)}` }, /url must be/],
    ['a batch over 1000', { type: 'stdout', batch_size: 1001 }, /batch_size must be an integer from 1 to 1000/],
    ['max_failures 0', { type: 'stdout', max_failures: 0 }, /max_failures/],
  ])('refuses %s', (_, input, message) => {
    expect(() => decideSinkSettings(input)).toThrow(message);
  });
});

describe('audit stream backoff', () => {
  it('doubles from the base up to the maximum, with up to half of it random', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, 300_000, 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, 300_000, 0))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(40, 1000, 300_000, 1)).toBe(300_000);
    expect(backoffMs(40, 1000, 300_000, 0.5)).toBe(225_000);
  });
});

describe('audit stream settings', () => {
  it('refuses a lease no longer than the delivery timeout, and a NATS URL of another scheme', () => {
    expect(() => loadConfig({ SANDBASE_AUDIT_STREAM_LEASE_MS: '5000', SANDBASE_AUDIT_STREAM_TIMEOUT_MS: '5000' })).toThrow(/must exceed/);
    expect(() => loadConfig({ SANDBASE_AUDIT_STREAM_NATS_URL: 'http://127.0.0.1:4222' })).toThrow(/nats:\/\//);
    expect(loadConfig({}).auditStream).toEqual({ intervalMs: 1000, leaseMs: 10_000, backoffMs: 1000, backoffMaxMs: 300_000, timeoutMs: 5_000, fileDir: null, natsUrl: null });
  });
});
