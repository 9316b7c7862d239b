import type { PeerDescription } from './signalling/messages';

/**
 * Whether two peer descriptions say the same thing: equal as JSON, whatever the order of their
 * keys (a server may rebuild the object and list them in another order).
 */
export function sameDescription(a: PeerDescription, b: PeerDescription): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    field !== null && typeof field === 'object' && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : field,
  ) ?? 'undefined';
}
