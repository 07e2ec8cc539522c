import { resolve } from 'node:path';
import { ConfigError, loadConfig, parseTrustedProxies } from '../../../src/config/config';

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.database).toEqual({ type: 'sqlite', path: resolve('./data/sandbase.sqlite') });
    expect(config.logLevel).toBe('info');
    expect(config.bootstrapApiKey).toBeNull();
    expect(config.bodyLimitBytes).toBe(1024 * 1024);
    expect(config.heapGrowthPercent).toBe(50);
    expect(loadConfig({ SANDBASE_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
  });

  it('accepts sqlite:<path> and postgres:// URLs with pool, timeout and TLS settings', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:./x.sqlite' }).database).toEqual({ type: 'sqlite', path: resolve('./x.sqlite') });
    const pg = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/sandbase',
      DATABASE_POOL_SIZE: '25',
      DATABASE_STATEMENT_TIMEOUT_MS: '5000',
      DATABASE_SSL: 'verify',
    }).database;
    expect(pg).toEqual({
      type: 'postgres',
      url: 'postgres://u:p@db:5432/sandbase',
      poolSize: 25,
      statementTimeoutMs: 5000,
      queryTimeoutMs: 10000,
      ssl: { rejectUnauthorized: true },
    });
    const explicit = loadConfig({ DATABASE_URL: 'postgres://db', DATABASE_QUERY_TIMEOUT_MS: '2500' }).database;
    expect(explicit).toMatchObject({ statementTimeoutMs: 30000, queryTimeoutMs: 2500 });
    // No statement timeout means no client-side limit either, unless one is set.
    expect(loadConfig({ DATABASE_URL: 'postgres://db', DATABASE_STATEMENT_TIMEOUT_MS: '0' }).database).toMatchObject({
      statementTimeoutMs: 0,
      queryTimeoutMs: 0,
    });
  });

  it.each([
    ['disable', undefined, false],
    ['require', undefined, { rejectUnauthorized: false }],
    ['verify-ca', undefined, { rejectUnauthorized: true }],
    ['verify-full', undefined, { rejectUnauthorized: true }],
    ['require', 'require', { rejectUnauthorized: false }],
    ['verify-full', 'verify', { rejectUnauthorized: true }],
  ])('reads sslmode=%s in DATABASE_URL (DATABASE_SSL %s) and hands the driver a URL without it', (mode, setting, ssl) => {
    const env: Record<string, string> = { DATABASE_URL: `postgres://u:p@db:5432/sandbase?sslmode=${mode}&application_name=x` };
    if (setting) env.DATABASE_SSL = setting;
    const database = loadConfig(env).database;
    expect(database).toMatchObject({ ssl });
    expect(database.type === 'postgres' && database.url).toBe('postgres://u:p@db:5432/sandbase?application_name=x');
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ SANDBASE_HEAP_GROWTH_PERCENT: '301' }, /SANDBASE_HEAP_GROWTH_PERCENT must be between 0 and 300/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with sqlite: or postgres:\/\//],
    [{ DATABASE_URL: 'sqlite:' }, /needs a file path/],
    [{ DATABASE_URL: 'postgres://db', DATABASE_POOL_SIZE: '0' }, /DATABASE_POOL_SIZE must be between 1 and 1000/],
    [{ DATABASE_URL: 'postgres://db', DATABASE_QUERY_TIMEOUT_MS: '-1' }, /DATABASE_QUERY_TIMEOUT_MS must be a whole number/],
    [{ DATABASE_URL: 'postgres://db', DATABASE_SSL: 'yes' }, /DATABASE_SSL must be one of off, require, verify/],
    [{ DATABASE_URL: 'postgres://db?sslmode=disable', DATABASE_SSL: 'verify' }, /sslmode=disable.*contradicts DATABASE_SSL=verify/],
    [{ DATABASE_URL: 'postgres://db?sslmode=require', DATABASE_SSL: 'off' }, /sslmode=require.*contradicts DATABASE_SSL=off/],
    [{ DATABASE_URL: 'postgres://db?sslmode=prefer' }, /sslmode=prefer is not supported/],
    [{ DATABASE_URL: 'postgres://db?sslmode=disable&sslmode=require' }, /gives sslmode more than once/],
    [{ DATABASE_URL: 'postgres://db?sslrootcert=/ca.pem' }, /sslrootcert is not supported.*NODE_EXTRA_CA_CERTS/],
    [{ DATABASE_URL: 'postgres://db?ssl=true' }, /ssl is not supported/],
    [{ SANDBASE_BOOTSTRAP_API_KEY: 'short' }, /SANDBASE_BOOTSTRAP_API_KEY must look like sk-sb-/],
    [{ HOST: '  ' }, /HOST must not be empty/],
  ])('refuses %j with one clear sentence', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('TRUSTED_PROXIES', () => {
  it('takes IP addresses and CIDR ranges, none by default', () => {
    expect(parseTrustedProxies(undefined)).toEqual([]);
    expect(parseTrustedProxies(' 127.0.0.1 , 10.0.0.0/8,::1, fd00::/8 ')).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
  });

  it.each(['localhost', '10.0.0.0/33', '::1/129', '1.2.3.4/8/8', '300.1.1.1', '10.0.0.0/x'])('refuses %s naming the variable', (entry) => {
    expect(() => parseTrustedProxies(entry)).toThrow(/^TRUSTED_PROXIES: /);
  });
});
