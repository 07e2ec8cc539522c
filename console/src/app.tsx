import { useEffect, useRef, useState } from 'preact/hooks';
import { onUnauthorized } from './api/client';
import { forgetKey, storedKey, storeKey } from './api/key';
import { forgetKeyNames } from './lib/key-names';
import { Link, navigate, useLocation, type Location } from './router';
import { SignIn } from './views/sign-in';
import { EnvironmentsView } from './views/environments';
import { EnvironmentView } from './views/environment';
import { AuditView } from './views/audit';
import { IntegrityView } from './views/integrity';

type Section = 'environments' | 'audit' | 'integrity' | null;

function sectionOf(path: string): Section {
  const first = path.split('/')[1];
  return first === 'environments' || first === 'audit' || first === 'integrity' ? first : null;
}

function Page({ location }: { location: Location }) {
  const parts = location.path.split('/').filter(Boolean);
  if (parts[0] === 'environments' && parts.length === 1) return <EnvironmentsView query={location.query} />;
  if (parts[0] === 'environments' && parts.length === 2) return <EnvironmentView id={decodeURIComponent(parts[1])} query={location.query} />;
  if (parts[0] === 'audit' && parts.length === 1) return <AuditView query={location.query} />;
  if (parts[0] === 'integrity' && parts.length === 1) return <IntegrityView />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no console page at this address. <Link to="/environments">See the environments</Link>.
      </p>
    </section>
  );
}

export function App() {
  const location = useLocation();
  const [key, setKey] = useState(storedKey);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    onUnauthorized((text) => {
      forgetKeyNames();
      setMessage(text);
      setKey(null);
    });
  }, []);

  // After a navigation (not the first page), focus moves to the new page, as a page load would move it.
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef(location.path);
  useEffect(() => {
    if (shownPath.current === location.path) return;
    shownPath.current = location.path;
    main.current?.focus();
  }, [location.path]);

  useEffect(() => {
    if (location.path === '/') navigate(`/environments${window.location.search}`, { replace: true });
  }, [location.path]);

  useEffect(() => {
    const section = sectionOf(location.path);
    const names = { environments: 'Environments', audit: 'Audit log', integrity: 'Integrity' } as const;
    document.title = key && section ? `${names[section]} · Sandbase audit console` : 'Sandbase audit console';
  }, [location.path, key]);

  if (!key) {
    return (
      <SignIn
        message={message}
        onSignedIn={(typed) => {
          storeKey(typed);
          setMessage(null);
          setKey(typed);
        }}
      />
    );
  }

  const section = sectionOf(location.path);
  const signOut = () => {
    forgetKey();
    forgetKeyNames();
    setMessage(null);
    setKey(null);
  };
  const item = (name: Exclude<Section, null>, label: string) => (
    <li>
      <Link to={`/${name}`} data-testid={`nav-${name}`} aria-current={section === name ? 'page' : undefined}>
        {label}
      </Link>
    </li>
  );
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <p class="brand">Sandbase audit console</p>
        <nav aria-label="Console">
          <ul>
            {item('environments', 'Environments')}
            {item('audit', 'Audit log')}
            {item('integrity', 'Integrity')}
          </ul>
        </nav>
        <button type="button" class="secondary" data-testid="signout" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        <Page location={location} />
      </main>
    </>
  );
}
