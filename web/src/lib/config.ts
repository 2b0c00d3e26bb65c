/**
 * Where the API lives. Empty means same origin: the API serves this static export at "/".
 * In dev mode (`next dev` on :3000) set NEXT_PUBLIC_API_BASE=http://localhost:8000 and add
 * http://localhost:3000 to the API's ALLOWED_ORIGINS.
 */
export const API_BASE: string = (process.env.NEXT_PUBLIC_API_BASE ?? "").replace(/\/+$/, "");

export const API_PREFIX = "/api/v1";

export function apiUrl(path: string): string {
  return `${API_BASE}${path}`;
}
