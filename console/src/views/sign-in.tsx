import { useState } from 'preact/hooks';
import { apiGet, ApiFailure } from '../api/client';

/** Asks for an API key (a read key is enough), checks it against the API, and keeps it in sessionStorage only. */
export function SignIn({ message, onSignedIn }: { message: string | null; onSignedIn(key: string): void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(message);
  const [checking, setChecking] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const typed = key.trim();
    if (!typed) {
      setError('Type an API key.');
      return;
    }
    setChecking(true);
    setError(null);
    try {
      await apiGet('/v1/environments', { query: { limit: 1 }, key: typed });
      onSignedIn(typed);
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.message : String(failure));
      setChecking(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Sandbase audit console</h1>
      <p>Sign in with an API key of your organization. A read key is enough: the console changes nothing.</p>
      <form onSubmit={submit} class="sign-in-form" noValidate>
        <label for="signin-key">API key</label>
        <input
          id="signin-key"
          data-testid="signin-key"
          type="password"
          name="key"
          autocomplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)}
          aria-describedby={error ? 'signin-error' : 'signin-hint'}
        />
        <p id="signin-hint" class="muted">
          Kept in this tab only (sessionStorage), sent as a header, never in a URL or cookie.
        </p>
        {error && (
          <p id="signin-error" class="form-error" data-testid="signin-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" data-testid="signin-submit" disabled={checking}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
