import type { EnvironmentVersion } from '../../../console/src/api/types';
import { csvField, toCsv, toNdjson } from '../../../console/src/lib/export';

const version = (overrides: Partial<EnvironmentVersion> = {}): EnvironmentVersion => ({
  type: 'environment_version',
  id: 'envver_1',
  version: 2,
  operation: 'modified',
  created_at: '2026-01-31T10:00:00.000Z',
  created_by: { type: 'api_actor', api_key_id: 'apikey_1', ip_address: '10.0.0.1', user_agent: 'curl/8, "quoted"' },
  request_id: 'req_1',
  changes: [{ path: 'description', from: 'a,b', to: 'line\nbreak' }],
  environment_id: 'env_1',
  environment: null,
  ...overrides,
});

/** The console's exports of the audit view (built in the browser; the format is the contract of docs/console.md). */
describe('audit exports', () => {
  it('quote CSV fields as RFC 4180 says: comma, quote, CR or LF; quotes doubled; null empty', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('a\rb')).toBe('"a\rb"');
    expect(csvField('a\nb')).toBe('"a\nb"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(3)).toBe('3');
  });

  it('write a header and one CRLF-ended line per version, changes as JSON', () => {
    const csv = toCsv([version(), version({ id: 'envver_2', request_id: null, created_by: { type: 'system' }, changes: [] })]);
    expect(csv.split('\r\n')).toEqual([
      'id,created_at,environment_id,version,operation,actor_type,api_key_id,ip_address,user_agent,request_id,changes',
      `envver_1,2026-01-31T10:00:00.000Z,env_1,2,modified,api_actor,apikey_1,10.0.0.1,"curl/8, ""quoted""",req_1,"[{""path"":""description"",""from"":""a,b"",""to"":""line\\nbreak""}]"`,
      'envver_2,2026-01-31T10:00:00.000Z,env_1,2,modified,system,,,,,[]',
      '',
    ]);
  });

  it('write NDJSON with each version exactly as the API returned it', () => {
    const versions = [version(), version({ id: 'envver_2' })];
    const lines = toNdjson(versions).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines.slice(0, 2).map((line) => JSON.parse(line))).toEqual(versions);
    expect(toNdjson([])).toBe('');
  });
});
