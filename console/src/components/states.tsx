import type { ComponentChildren } from 'preact';
import { ApiFailure } from '../api/client';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="state state-loading" data-testid="loading" role="status" aria-live="polite">
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return (
    <p class="state state-empty" data-testid="empty">
      {children}
    </p>
  );
}

/** The API's error message (its envelope's `error.message`) and request id. */
export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  const requestId = error instanceof ApiFailure ? error.requestId : null;
  return (
    <div class="error-banner" role="alert">
      <p>
        <strong>Error: </strong>
        <span data-testid="error-banner">{message}</span>
      </p>
      {requestId && (
        <p class="muted">
          Request id: <code>{requestId}</code>
        </p>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
