import { apiGet } from '../api/client';
import type { Checkpoint, Verification } from '../api/types';
import { ErrorBanner, Loading } from '../components/states';
import { useAsync } from '../lib/paged';
import { Time } from '../lib/time';

function yesNo(value: boolean | null, yes: string, no: string, unknown: string) {
  if (value === null) return <span class="muted">{unknown}</span>;
  return <span class={value ? 'flag flag-on' : 'flag flag-bad'}>{value ? yes : no}</span>;
}

function CheckpointBlock({ checkpoint }: { checkpoint: Checkpoint | null | undefined }) {
  return (
    <section aria-labelledby="checkpoint-title" class="panel" data-testid="integrity-checkpoint">
      <h2 id="checkpoint-title">Newest checkpoint</h2>
      {checkpoint === undefined ? (
        <p class="muted">This service does not report checkpoints.</p>
      ) : checkpoint === null ? (
        <p>Signed checkpoints: no checkpoint directory configured (SANDBASE_AUDIT_CHECKPOINT_DIR on the service).</p>
      ) : checkpoint.created_at === null ? (
        <p>No checkpoint covers this organization yet.</p>
      ) : (
        <dl class="facts">
          <div class="fact">
            <dt>Written</dt>
            <dd>
              <Time iso={checkpoint.created_at} />
            </dd>
          </div>
          <div class="fact">
            <dt>Signature</dt>
            <dd>{yesNo(checkpoint.signature_valid, 'valid', 'invalid', 'not checked')}</dd>
          </div>
          <div class="fact">
            <dt>Matches the chain</dt>
            <dd>{yesNo(checkpoint.matches_chain, 'yes', 'no', 'not checked')}</dd>
          </div>
          {checkpoint.chain_seq !== null && (
            <div class="fact">
              <dt>Chain position</dt>
              <dd>{checkpoint.chain_seq}</dd>
            </div>
          )}
          {checkpoint.file && (
            <div class="fact">
              <dt>File</dt>
              <dd>
                <code>{checkpoint.file}</code>
              </dd>
            </div>
          )}
          {checkpoint.problems.length > 0 && (
            <div class="fact">
              <dt>Problems</dt>
              <dd>
                <ul class="plain">
                  {checkpoint.problems.map((problem) => (
                    <li key={problem}>{problem}</li>
                  ))}
                </ul>
              </dd>
            </div>
          )}
        </dl>
      )}
    </section>
  );
}

const events = (n: number) => `${n} ${n === 1 ? 'event' : 'events'}`;

function Result({ result }: { result: Verification }) {
  return (
    <>
      <div class={result.valid ? 'verdict verdict-ok' : 'verdict verdict-bad'} data-testid="integrity-status" data-valid={String(result.valid)} role="status">
        <span class="verdict-mark" aria-hidden="true">
          {result.valid ? '✓' : '✗'}
        </span>
        <div>
          <p class="verdict-title">{result.valid ? 'Verified' : 'Broken'}</p>
          <p>
            {result.valid
              ? `The hash chain of all ${events(result.events_checked)} verifies: the history has not been altered.`
              : `The hash chain does not verify (${events(result.events_checked)} checked): the history was altered.`}
          </p>
        </div>
      </div>
      {result.problem && (
        <section aria-labelledby="problem-title" class="panel panel-bad" data-testid="integrity-problem">
          <h2 id="problem-title">First bad event</h2>
          <p>{result.problem.message}</p>
          <dl class="facts">
            <div class="fact">
              <dt>Kind</dt>
              <dd>
                <code>{result.problem.kind}</code>
              </dd>
            </div>
            <div class="fact">
              <dt>Event id</dt>
              <dd>{result.problem.event_id ? <code>{result.problem.event_id}</code> : <span class="muted">unknown</span>}</dd>
            </div>
            <div class="fact">
              <dt>Event position</dt>
              <dd>{result.problem.event_position ?? <span class="muted">unknown</span>}</dd>
            </div>
            <div class="fact">
              <dt>Chain position</dt>
              <dd>{result.problem.chain_seq ?? <span class="muted">unknown</span>}</dd>
            </div>
          </dl>
        </section>
      )}
      <section aria-labelledby="head-title" class="panel" data-testid="integrity-head">
        <h2 id="head-title">{result.valid ? 'Head of the chain' : 'Head of the chain, as far as it verifies'}</h2>
        {result.head === null ? (
          <p class="muted">No events yet.</p>
        ) : (
          <dl class="facts">
            <div class="fact">
              <dt>Chain position</dt>
              <dd>{result.head.chain_seq}</dd>
            </div>
            <div class="fact">
              <dt>Event position</dt>
              <dd>{result.head.event_position}</dd>
            </div>
            <div class="fact">
              <dt>Hash</dt>
              <dd>
                <code>{result.head.hash}</code>
              </dd>
            </div>
          </dl>
        )}
      </section>
      <CheckpointBlock checkpoint={result.checkpoint} />
    </>
  );
}

/** The hash chain's verification: green when the history verifies, red with the first bad event when it does not. */
export function IntegrityView() {
  const result = useAsync('verify', (signal) => apiGet('/v1/environment_versions/verify', { signal }) satisfies Promise<Verification>);
  return (
    <section aria-labelledby="integrity-title">
      <h1 id="integrity-title">Integrity</h1>
      <p>
        Every change is a link of a hash chain; verifying recomputes the chain from the stored events, so an edit, removal or reordering made directly in the
        database shows here.
      </p>
      <p class="actions">
        <button type="button" data-testid="integrity-recheck" disabled={result.loading} onClick={result.reload}>
          {result.loading ? 'Verifying…' : 'Verify again'}
        </button>
      </p>
      {result.loading && <Loading label="Verifying the chain…" />}
      {result.error !== null && <ErrorBanner error={result.error} onRetry={result.reload} />}
      {result.value && <Result result={result.value} />}
    </section>
  );
}
