import { useEffect, useRef } from 'preact/hooks';
import type { Paged } from '../lib/paged';

/** "Load more": a button; with `auto`, also pressed by itself when scrolled into view (infinite scroll). */
export function LoadMore<T>({ list, testId, label = 'Load more', auto = false }: { list: Paged<T>; testId: string; label?: string; auto?: boolean }) {
  const button = useRef<HTMLButtonElement>(null);
  const latest = useRef(list);
  latest.current = list;
  useEffect(() => {
    const element = button.current;
    if (!auto || !element || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      const current = latest.current;
      if (entries.some((e) => e.isIntersecting) && current.more && !current.loading && !current.error) current.loadMore();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [auto, list.more, list.loading]);
  if (!list.more) return null;
  return (
    <p class="load-more">
      <button type="button" ref={button} data-testid={testId} disabled={list.loading} onClick={() => list.loadMore()}>
        {list.loading ? 'Loading…' : label}
      </button>
    </p>
  );
}
