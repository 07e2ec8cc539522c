/**
 * RFC 4180 as the console's CSV export writes it: records end with CRLF,
 * fields with a comma, a double quote, CR or LF are quoted, quotes inside
 * doubled. Throws on anything else (a bare quote, a lone LF between records).
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  const endField = (): void => {
    record.push(field);
    field = '';
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      if (field !== '') throw new Error(`a quote inside an unquoted field at ${i}`);
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('an unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\r') throw new Error(`text after a quoted field at ${i}`);
      continue;
    }
    if (c === ',') {
      endField();
      i++;
    } else if (c === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`a CR without LF at ${i}`);
      endField();
      records.push(record);
      record = [];
      i += 2;
    } else if (c === '\n') {
      throw new Error(`a bare LF (records must end with CRLF) at ${i}`);
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || record.length > 0) {
    endField();
    records.push(record);
  }
  return records;
}

/** The header line of the contract, verbatim. */
export const CSV_HEADER = 'id,created_at,environment_id,version,operation,actor_type,api_key_id,ip_address,user_agent,request_id,changes';
export const CSV_COLUMNS = CSV_HEADER.split(',');

/** One version object of the API as a CSV record of the contract (null -> empty field). */
export function csvRecordOf(version: any): string[] {
  const actor = version.created_by ?? {};
  const cell = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
  return [
    cell(version.id),
    cell(version.created_at),
    cell(version.environment_id),
    cell(version.version),
    cell(version.operation),
    cell(actor.type),
    cell(actor.api_key_id),
    cell(actor.ip_address),
    cell(actor.user_agent),
    cell(version.request_id),
    JSON.stringify(version.changes),
  ];
}
