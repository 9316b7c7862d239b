/**
 * The path of an HTTP request's target, or null when it is not a URL path at all (`//`, `http://[`):
 * `new URL` throws on those, and a throw in a request handler would end the process.
 *
 * @example
 * ```ts
 * const pathname = requestPathname(request.url);
 * if (pathname === null) return response.writeHead(400).end();
 * ```
 */
export function requestPathname(url: string | undefined): string | null {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}
