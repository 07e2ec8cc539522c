import { loadConfig } from '../../../src/config/config';

describe('metrics settings', () => {
  it('serve no metrics unless METRICS_TOKEN or METRICS_PORT is set', () => {
    expect(loadConfig({}).metrics).toEqual({ token: null, port: null, host: '127.0.0.1' });
  });

  it('take a token, a port and its address (by default the API address)', () => {
    expect(loadConfig({ METRICS_TOKEN: 'a-long-enough-token', METRICS_PORT: '9464', HOST: '0.0.0.0' }).metrics).toEqual({
      token: 'a-long-enough-token',
      port: 9464,
      host: '0.0.0.0',
    });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).metrics.host).toBe('10.0.0.5');
  });

  it('refuse a short token, one with spaces, and a port out of range, in one sentence', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be 16 to 512 printable characters/);
    expect(() => loadConfig({ METRICS_TOKEN: 'has spaces in the middle' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT must be between 1 and 65535/);
    expect(() => loadConfig({ METRICS_PORT: 'http' })).toThrow(/METRICS_PORT must be a whole number/);
  });
});
