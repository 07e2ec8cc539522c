import { useState } from 'preact/hooks';
import { apiGet } from '../api/client';
import type { EnvironmentVersion } from '../api/types';
import { Actor } from '../components/actor';
import { ConfigView } from '../components/config';
import { DiffTable } from '../components/diff';
import { LoadMore } from '../components/load-more';
import { Empty, ErrorBanner, Loading } from '../components/states';
import { loadEnvironment } from '../lib/environment';
import { useKeyNames } from '../lib/key-names';
import { useAsync, usePaged } from '../lib/paged';
import { Time } from '../lib/time';
import { Link } from '../router';

const VERSIONS_PAGE = 20;

function VersionRow({ version, names, current }: { version: EnvironmentVersion; names: Map<string, string | null>; current: boolean }) {
  const [open, setOpen] = useState(false);
  const diffId = `diff-${version.version}`;
  const path = `/environments/${encodeURIComponent(version.environment_id)}`;
  return (
    <li data-testid="version-row" data-version={version.version} class={current ? 'version current' : 'version'} aria-current={current ? 'step' : undefined}>
      <div class="version-head">
        <h3>Version {version.version}</h3>
        <span class={`badge badge-${version.operation}`} data-testid="version-operation">
          {version.operation}
        </span>
        <Time iso={version.created_at} testId="version-time" focusable />
      </div>
      <dl class="facts">
        <div class="fact">
          <dt>By</dt>
          <dd>
            <Actor actor={version.created_by} names={names} testId="version-actor" />
          </dd>
        </div>
        <div class="fact">
          <dt>Request id</dt>
          <dd data-testid="version-request-id">{version.request_id ? <code>{version.request_id}</code> : <span class="muted">not recorded</span>}</dd>
        </div>
      </dl>
      <div class="actions">
        <button type="button" class="secondary" data-testid="version-diff-toggle" aria-expanded={open} aria-controls={diffId} onClick={() => setOpen(!open)}>
          {open ? 'Hide changes' : `Show changes (${version.changes.length})`}
        </button>
        {version.environment && (
          <Link to={`${path}?version=${version.version}`} data-testid="version-view-as-of">
            View as of version {version.version}
          </Link>
        )}
      </div>
      {open && <DiffTable id={diffId} changes={version.changes} caption={`Changes of version ${version.version}`} />}
    </li>
  );
}

function Timeline({ id, asOf }: { id: string; asOf: number | null }) {
  const names = useKeyNames();
  const versions = usePaged(id, async (cursor, signal) => {
    const page = await apiGet('/v1/environments/{id}/versions', { path: { id }, query: { limit: VERSIONS_PAGE, page: cursor }, signal });
    return { items: page.data, next: page.next_page };
  });
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">History</h2>
      {versions.error !== null && <ErrorBanner error={versions.error} onRetry={versions.reload} />}
      {versions.started && !versions.error && versions.items.length === 0 && <Empty>No versions recorded.</Empty>}
      <ol class="timeline">
        {versions.items.map((version) => (
          <VersionRow key={version.id} version={version} names={names} current={version.version === asOf} />
        ))}
      </ol>
      {versions.loading && <Loading label="Loading versions…" />}
      <LoadMore list={versions} testId="versions-load-more" label="Load older versions" />
    </section>
  );
}

/** One environment: its configuration (now, or as of a version) and its version timeline. */
export function EnvironmentView({ id, query }: { id: string; query: URLSearchParams }) {
  const requested = query.get('version');
  const asOf = requested !== null && /^[1-9][0-9]{0,9}$/.test(requested) ? Number(requested) : null;
  const detail = useAsync(`${id}\n${asOf}`, (signal) => loadEnvironment(id, asOf, signal));
  const path = `/environments/${encodeURIComponent(id)}`;
  return (
    <article data-testid="env-detail" aria-labelledby="env-title">
      <p class="breadcrumb">
        <Link to="/environments">Environments</Link> /
      </p>
      {detail.loading && <Loading label="Loading the environment…" />}
      {detail.error !== null && (
        <>
          <h1 id="env-title">Environment {id}</h1>
          <ErrorBanner error={detail.error} onRetry={detail.reload} />
        </>
      )}
      {detail.value && (
        <>
          <header class="detail-head">
            <h1 id="env-title" data-testid="env-detail-name">
              {detail.value.environment.name}
            </h1>
            <span class={`badge badge-${detail.value.status}`} data-testid="env-detail-status">
              {detail.value.status}
            </span>
          </header>
          <dl class="facts facts-inline">
            <div class="fact">
              <dt>Id</dt>
              <dd>
                <code>{detail.value.environment.id}</code>
              </dd>
            </div>
            <div class="fact">
              <dt>Version</dt>
              <dd>{detail.value.environment.version}</dd>
            </div>
            <div class="fact">
              <dt>Created</dt>
              <dd>
                <Time iso={detail.value.environment.created_at} />
              </dd>
            </div>
            {detail.value.environment.archived_at && (
              <div class="fact">
                <dt>Archived</dt>
                <dd>
                  <Time iso={detail.value.environment.archived_at} />
                </dd>
              </div>
            )}
            {detail.value.deletedAt && (
              <div class="fact">
                <dt>Deleted</dt>
                <dd>
                  <Time iso={detail.value.deletedAt} />
                </dd>
              </div>
            )}
          </dl>
          {asOf !== null ? (
            <p class="notice" data-testid="as-of-banner" role="status">
              Showing the configuration as of version {asOf}. <Link to={path}>Show the current configuration</Link>
            </p>
          ) : (
            detail.value.deletedAt && (
              <p class="notice notice-bad" role="status">
                This environment was deleted; shown as it was just before, from its history.
              </p>
            )
          )}
          <ConfigView environment={detail.value.environment} />
        </>
      )}
      {detail.value && <Timeline id={id} asOf={asOf} />}
    </article>
  );
}
