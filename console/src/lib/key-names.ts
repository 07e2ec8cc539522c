import { useEffect, useState } from 'preact/hooks';
import { apiGetAll } from '../api/client';

/** Key id -> its latest name, from the keys' history (a read key may read it). Loaded once per sign-in. */
let names: Promise<Map<string, string | null>> | null = null;

function load(): Promise<Map<string, string | null>> {
  names ??= apiGetAll('/v1/api_key_versions', {})
    .then((versions) => {
      const map = new Map<string, string | null>();
      const newestFirst = [...versions].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.version - a.version));
      for (const version of newestFirst) if (!map.has(version.api_key_id)) map.set(version.api_key_id, version.api_key?.name ?? null);
      return map;
    })
    .catch((error: unknown) => {
      names = null;
      throw error;
    });
  return names;
}

/** Forgets the names (on sign-out: another key may see another organization). */
export function forgetKeyNames(): void {
  names = null;
}

/** The names of the organization's keys; empty until loaded (or when they cannot be read). */
export function useKeyNames(): Map<string, string | null> {
  const [map, setMap] = useState<Map<string, string | null>>(new Map());
  useEffect(() => {
    let live = true;
    load().then(
      (loaded) => live && setMap(loaded),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return map;
}
