import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The console's pages live under this path; the service answers index.html for all of them. */
export const BASE = '/console';

export interface Location {
  /** The path below BASE, starting with '/'. */
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  const full = window.location.pathname;
  const below = full.startsWith(BASE) ? full.slice(BASE.length) : full;
  return { path: below === '' ? '/' : below, query: new URLSearchParams(window.location.search) };
}

const CHANGE = 'console:navigate';

/** Goes to a console URL (`/environments?q=x`) without reloading the page. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const href = to.startsWith(BASE) ? to : `${BASE}${to}`;
  if (href === window.location.pathname + window.location.search) return;
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new Event(CHANGE));
}

/** `/path` plus the non-empty parameters as a query string. */
export function withQuery(path: string, params: Record<string, string | number | undefined | null>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** The current location, re-rendering on every navigation (links, back and forward). */
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return location;
}

interface AnchorProps {
  to: string;
  children?: ComponentChildren;
  class?: string;
  title?: string;
  'data-testid'?: string;
  'aria-current'?: 'page';
  'aria-label'?: string;
}

/** A real link (opens in a new tab, copies) that navigates in place on a plain click. */
export function Link({ to, children, ...rest }: AnchorProps) {
  const href = to.startsWith(BASE) ? to : `${BASE}${to}`;
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a {...rest} href={href} onClick={onClick}>
      {children}
    </a>
  );
}
