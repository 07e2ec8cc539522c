import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Page<T> {
  items: T[];
  next: string | undefined;
}

export interface Paged<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  /** More pages after these. */
  more: boolean;
  /** The first page has arrived (or failed). */
  started: boolean;
  loadMore(): void;
  reload(): void;
}

/**
 * A cursor-paginated list: the first page when `key` changes, the next on
 * loadMore(). Answers to a superseded `key` are dropped.
 */
export function usePaged<T>(key: string, fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>): Paged<T> {
  const [state, setState] = useState<{ items: T[]; next: string | undefined; loading: boolean; error: unknown; started: boolean }>({
    items: [],
    next: undefined,
    loading: true,
    error: null,
    started: false,
  });
  const [generation, setGeneration] = useState(0);
  const controller = useRef<AbortController | null>(null);
  const fetcher = useRef(fetchPage);
  fetcher.current = fetchPage;

  const load = useCallback((cursor: string | undefined, reset: boolean) => {
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    setState((s) => (reset ? { items: [], next: undefined, loading: true, error: null, started: false } : { ...s, loading: true, error: null }));
    fetcher.current(cursor, abort.signal).then(
      (page) => {
        if (abort.signal.aborted) return;
        setState((s) => ({ items: reset ? page.items : [...s.items, ...page.items], next: page.next, loading: false, error: null, started: true }));
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        setState((s) => ({ ...s, loading: false, error, started: true }));
      },
    );
  }, []);

  useEffect(() => {
    load(undefined, true);
    return () => controller.current?.abort();
  }, [key, generation, load]);

  return {
    items: state.items,
    loading: state.loading,
    error: state.error,
    more: state.next !== undefined,
    started: state.started,
    loadMore: () => {
      if (!state.loading && state.next !== undefined) load(state.next, false);
    },
    reload: () => setGeneration((g) => g + 1),
  };
}

/** A generic async value for one-shot loads (one environment, the verification). */
export function useAsync<T>(key: string, run: (signal: AbortSignal) => Promise<T>): { value: T | undefined; loading: boolean; error: unknown; reload(): void } {
  const [state, setState] = useState<{ value: T | undefined; loading: boolean; error: unknown }>({ value: undefined, loading: true, error: null });
  const [generation, setGeneration] = useState(0);
  const runner = useRef(run);
  runner.current = run;
  useEffect(() => {
    const abort = new AbortController();
    setState({ value: undefined, loading: true, error: null });
    runner.current(abort.signal).then(
      (value) => !abort.signal.aborted && setState({ value, loading: false, error: null }),
      (error: unknown) => !abort.signal.aborted && setState({ value: undefined, loading: false, error }),
    );
    return () => abort.abort();
  }, [key, generation]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}
