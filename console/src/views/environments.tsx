import { useEffect, useRef, useState } from 'preact/hooks';
import { Empty, ErrorBanner, Loading } from '../components/states';
import { LoadMore } from '../components/load-more';
import { DataTable } from '../components/table';
import { environmentsPage, STATUS_FILTERS, type StatusFilter } from '../lib/environments';
import { usePaged } from '../lib/paged';
import { Time } from '../lib/time';
import { Link, navigate, withQuery } from '../router';

const DEBOUNCE_MS = 300;

function statusFilter(value: string | null): StatusFilter {
  return STATUS_FILTERS.includes(value as StatusFilter) ? (value as StatusFilter) : 'all';
}

/** The environments, newest first: search by name prefix, filter by status, more on scroll. */
export function EnvironmentsView({ query }: { query: URLSearchParams }) {
  const prefix = query.get('q') ?? '';
  const status = statusFilter(query.get('status'));
  const [typed, setTyped] = useState(prefix);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => setTyped(prefix), [prefix]);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const go = (q: string, s: StatusFilter) => navigate(withQuery('/environments', { q, status: s === 'all' ? undefined : s }), { replace: true });
  const onSearch = (value: string) => {
    setTyped(value);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => go(value, status), DEBOUNCE_MS);
  };

  const list = usePaged(`${status}\n${prefix}`, (cursor, signal) => environmentsPage(status, prefix, cursor, signal));

  return (
    <section aria-labelledby="environments-title">
      <h1 id="environments-title">Environments</h1>
      <form class="filters" role="search" onSubmit={(e) => (e.preventDefault(), go(typed, status))}>
        <div class="field">
          <label for="env-search">Name starts with</label>
          <input id="env-search" data-testid="env-search" type="search" value={typed} autocomplete="off" onInput={(e) => onSearch(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="env-status-filter">Status</label>
          <select id="env-status-filter" data-testid="env-status-filter" value={status} onChange={(e) => go(typed, statusFilter(e.currentTarget.value))}>
            <option value="all">Active and archived</option>
            <option value="active">Active</option>
            <option value="archived">Archived</option>
            <option value="deleted">Deleted</option>
          </select>
        </div>
      </form>
      {list.error !== null && <ErrorBanner error={list.error} onRetry={list.reload} />}
      {list.started && list.items.length === 0 && !list.error && !list.more && (
        <Empty>
          {prefix
            ? `No ${status === 'all' ? '' : `${status} `}environment's name starts with “${prefix}”.`
            : `No ${status === 'all' ? '' : `${status} `}environments.`}
        </Empty>
      )}
      {list.items.length > 0 && (
        <DataTable class="list" caption="Environments, newest first" columns={['Name', 'Status', 'Created', 'Id']}>
          {list.items.map((row) => (
            <tr key={row.id} data-testid="env-row" data-env-id={row.id}>
              <td data-label="Name">
                <Link to={`/environments/${encodeURIComponent(row.id)}`} data-testid="env-name">
                  {row.name}
                </Link>
              </td>
              <td data-label="Status">
                <span class={`badge badge-${row.status}`} data-testid="env-status">
                  {row.status}
                </span>
              </td>
              <td data-label="Created">
                <Time iso={row.created_at} testId="env-created" />
              </td>
              <td data-label="Id">
                <code>{row.id}</code>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {list.loading && <Loading label="Loading environments…" />}
      <LoadMore list={list} testId="env-load-more" label="Load more environments" auto />
    </section>
  );
}
