import { PassThrough } from 'node:stream';
import { loadConfig } from '../../../src/config/config';
import { createLogger, logDestination } from '../../../src/logging/logger';
import { prettyDestination } from '../../../src/logging/pretty';

/** LOG_FORMAT=pretty: readable lines for a terminal, the same fields as the JSON. */
describe('pretty log lines', () => {
  it('writes the time, the level, the message and the fields on one line, without the JSON', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk) => (text += chunk));
    const logger = createLogger('info', prettyDestination(out));
    logger.info({ request_id: 'req_1', route: '/v1/environments/:id', status: 200, organization_id: null }, 'request completed');
    logger.debug('not at this level');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \S*INFO \S* request completed request_id=req_1 route=\/v1\/environments\/:id status=200$/);
  });

  it('is chosen only on a terminal: JSON lines whenever standard output is not one', () => {
    expect(logDestination('pretty', true)).not.toHaveProperty('fd');
    expect(logDestination('pretty', false)).toHaveProperty('fd', 1);
    expect(logDestination('json', true)).toHaveProperty('fd', 1);
  });

  it('is asked for with LOG_FORMAT=pretty or LOG_PRETTY=1; anything else is refused', () => {
    expect(loadConfig({}).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_PRETTY: '1' }).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be json or pretty/);
  });
});
