import type { FieldChange } from '../api/types';
import { DataTable } from './table';

/** A JSON value as people read it: absent for null, strings as they are, the rest pretty-printed. */
function Value({ value, testId }: { value: unknown; testId: string }) {
  if (value === null || value === undefined) {
    return (
      <td data-testid={testId} class="diff-absent">
        <span class="muted">(none)</span>
      </td>
    );
  }
  return (
    <td data-testid={testId}>
      <pre>{typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value, null, 2)}</pre>
    </td>
  );
}

/** The changes of one version side by side: each changed path, its value before and after. */
export function DiffTable({ changes, id, caption }: { changes: FieldChange[]; id?: string; caption: string }) {
  if (changes.length === 0) {
    return (
      <p id={id} class="muted" data-testid="version-diff">
        No field changed.
      </p>
    );
  }
  return (
    <DataTable class="diff" id={id} testId="version-diff" caption={caption} columns={['Field', 'Before', 'After']}>
      {changes.map((change) => (
        <tr key={change.path} data-testid="diff-row" data-path={change.path}>
          <th scope="row">
            <code>{change.path}</code>
          </th>
          <Value value={change.from} testId="diff-from" />
          <Value value={change.to} testId="diff-to" />
        </tr>
      ))}
    </DataTable>
  );
}
