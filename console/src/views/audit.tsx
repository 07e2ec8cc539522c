import { useEffect, useState } from 'preact/hooks';
import { apiGet, apiGetAll, type Query } from '../api/client';
import { OPERATIONS, type EnvironmentVersion, type Operation } from '../api/types';
import { Actor } from '../components/actor';
import { DiffTable } from '../components/diff';
import { LoadMore } from '../components/load-more';
import { DataTable } from '../components/table';
import { Empty, ErrorBanner, Loading } from '../components/states';
import { download } from '../lib/download';
import { beforeDeletion } from '../lib/environments';
import { toCsv, toNdjson } from '../lib/export';
import { useKeyNames } from '../lib/key-names';
import { usePaged } from '../lib/paged';
import { Time } from '../lib/time';
import { Link, navigate, withQuery } from '../router';

const PAGE_SIZE = 50;
const FILTERS = ['environment_id', 'operation', 'api_key_id', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function filtersOf(query: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((name) => [name, query.get(name)?.trim() ?? ''])) as Filters;
}

/** The API's query for the filters: from/to become created_at[gte]/created_at[lte]. */
function apiQuery(filters: Filters): Query<'/v1/environment_versions'> {
  return {
    environment_id: filters.environment_id || undefined,
    operation: (OPERATIONS as readonly string[]).includes(filters.operation) ? (filters.operation as Operation) : undefined,
    api_key_id: filters.api_key_id || undefined,
    'created_at[gte]': filters.from || undefined,
    'created_at[lte]': filters.to || undefined,
  };
}

/** Names of deleted environments (their deleted version has no snapshot), looked up once per page load. */
const deletedNames = new Map<string, Promise<string | null>>();

/** The environment's name: from the version's snapshot, or for a deleted one from the version before its deletion. */
function EnvironmentName({ version }: { version: EnvironmentVersion }) {
  const known = version.environment?.name ?? null;
  const [name, setName] = useState<string | null>(known);
  useEffect(() => {
    if (known !== null) return;
    const id = version.environment_id;
    if (!deletedNames.has(id)) deletedNames.set(id, beforeDeletion(id).then(({ last }) => last?.name ?? null, () => null));
    let live = true;
    void deletedNames.get(id)!.then((found) => live && setName(found));
    return () => {
      live = false;
    };
  }, [version.id]);
  return <>{name ?? version.environment_id}</>;
}

function AuditRow({ version, names }: { version: EnvironmentVersion; names: Map<string, string | null> }) {
  const [open, setOpen] = useState(false);
  const diffId = `audit-diff-${version.id}`;
  return (
    <>
      <tr data-testid="audit-row" data-version-id={version.id}>
        <td data-label="When">
          <Time iso={version.created_at} />
        </td>
        <td data-label="Environment">
          <Link to={`/environments/${encodeURIComponent(version.environment_id)}`}><EnvironmentName version={version} />
          </Link>
          <code class="block">{version.environment_id}</code>
        </td>
        <td data-label="Version">
          <Link
            to={`/environments/${encodeURIComponent(version.environment_id)}?version=${version.version}`}
            aria-label={`Version ${version.version} of ${version.environment_id}`}
          >
            {version.version}
          </Link>
        </td>
        <td data-label="Operation">
          <span class={`badge badge-${version.operation}`}>{version.operation}</span>
        </td>
        <td data-label="By">
          <Actor actor={version.created_by} names={names} />
        </td>
        <td data-label="Request id">{version.request_id ? <code>{version.request_id}</code> : <span class="muted">—</span>}</td>
        <td data-label="Changes">
          {version.changes.length === 0 ? (
            <span class="muted">none</span>
          ) : (
            <button type="button" class="link" aria-expanded={open} aria-controls={diffId} onClick={() => setOpen(!open)}>
              {open ? 'Hide' : 'Show'} {version.changes.length} {version.changes.length === 1 ? 'change' : 'changes'}
            </button>
          )}
        </td>
      </tr>
      {open && (
        <tr class="audit-diff">
          <td colSpan={7}>
            <DiffTable id={diffId} changes={version.changes} caption={`Changes of version ${version.version} of ${version.environment_id}`} />
          </td>
        </tr>
      )}
    </>
  );
}

function Exports({ filters }: { filters: Filters }) {
  const [state, setState] = useState<{ busy: boolean; count: number; error: unknown }>({ busy: false, count: 0, error: null });
  const run = async (format: 'ndjson' | 'csv') => {
    setState({ busy: true, count: 0, error: null });
    try {
      const all = await apiGetAll('/v1/environment_versions', { query: apiQuery(filters) }, (count) => setState((s) => ({ ...s, count })));
      if (format === 'csv') download('sandbase-audit.csv', 'text/csv;charset=utf-8', toCsv(all));
      else download('sandbase-audit.ndjson', 'application/x-ndjson', toNdjson(all));
      setState({ busy: false, count: all.length, error: null });
    } catch (error) {
      setState({ busy: false, count: 0, error });
    }
  };
  return (
    <div class="exports">
      <div class="actions">
        <span class="muted">Export every page of this view:</span>
        <button type="button" class="secondary" data-testid="audit-export-ndjson" disabled={state.busy} onClick={() => run('ndjson')}>
          NDJSON
        </button>
        <button type="button" class="secondary" data-testid="audit-export-csv" disabled={state.busy} onClick={() => run('csv')}>
          CSV
        </button>
        <span role="status" class="muted">
          {state.busy ? `Exporting… ${state.count} versions so far` : ''}
        </span>
      </div>
      {state.error !== null && <ErrorBanner error={state.error} />}
    </div>
  );
}

/** The organization's history with the API's filters, kept in the URL (shareable, never the key), and its export. */
export function AuditView({ query }: { query: URLSearchParams }) {
  const applied = filtersOf(query);
  const [form, setForm] = useState<Filters>(applied);
  const key = JSON.stringify(applied);
  useEffect(() => setForm(filtersOf(query)), [key]);
  const names = useKeyNames();
  const list = usePaged(key, async (cursor, signal) => {
    const page = await apiGet('/v1/environment_versions', { query: { ...apiQuery(applied), limit: PAGE_SIZE, page: cursor }, signal });
    return { items: page.data, next: page.next_page };
  });
  const set = (name: keyof Filters) => (event: Event) => setForm({ ...form, [name]: (event.currentTarget as HTMLInputElement).value });
  const apply = (event: Event) => {
    event.preventDefault();
    const next = withQuery('/audit', form);
    if (next === withQuery('/audit', applied)) list.reload();
    else navigate(next);
  };
  const input = (name: keyof Filters, label: string, testId: string, hint?: string) => (
    <div class="field">
      <label for={`audit-${name}`}>{label}</label>
      <input
        id={`audit-${name}`}
        data-testid={testId}
        type="text"
        value={form[name]}
        onInput={set(name)}
        spellcheck={false}
        autocomplete="off"
        placeholder={hint}
      />
    </div>
  );
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form class="filters" onSubmit={apply} aria-label="Filters">
        {input('environment_id', 'Environment id', 'audit-filter-environment', 'env_…')}
        <div class="field">
          <label for="audit-operation">Operation</label>
          <select id="audit-operation" data-testid="audit-filter-operation" value={form.operation} onChange={set('operation')}>
            <option value="">any</option>
            {OPERATIONS.map((operation) => (
              <option key={operation} value={operation}>
                {operation}
              </option>
            ))}
          </select>
        </div>
        {input('api_key_id', 'Key id', 'audit-filter-key', 'apikey_…')}
        {input('from', 'From (ISO 8601)', 'audit-filter-from', '2026-01-31T00:00:00Z')}
        {input('to', 'To (ISO 8601)', 'audit-filter-to', '2026-02-01T00:00:00Z')}
        <div class="actions">
          <button type="submit" data-testid="audit-apply">
            Apply
          </button>
          {FILTERS.some((name) => applied[name]) && <Link to="/audit">Clear filters</Link>}
        </div>
      </form>
      <Exports filters={applied} />
      {list.error !== null && <ErrorBanner error={list.error} onRetry={list.reload} />}
      {list.started && !list.error && list.items.length === 0 && <Empty>No changes match these filters.</Empty>}
      {list.items.length > 0 && (
        <DataTable class="list" caption="Changes, newest first" columns={['When', 'Environment', 'Version', 'Operation', 'By', 'Request id', 'Changes']}>
          {list.items.map((version) => (
            <AuditRow key={version.id} version={version} names={names} />
          ))}
        </DataTable>
      )}
      {list.loading && <Loading label="Loading the history…" />}
      <LoadMore list={list} testId="audit-load-more" label="Load older changes" />
    </section>
  );
}
