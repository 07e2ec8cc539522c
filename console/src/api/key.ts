/** The API key lives in sessionStorage only: gone when the tab closes, never in a URL, cookie or localStorage. */
const KEY = 'sandbase.console.key';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

/** Signing out forgets everything this tab stored. */
export function forgetKey(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.clear();
}
