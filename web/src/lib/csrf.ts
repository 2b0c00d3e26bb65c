/**
 * Double-submit CSRF: the API sets cookie `rekha_csrf`; every POST/PUT/PATCH/DELETE must echo
 * it in `X-CSRF-Token`. This module is the one place that knows how.
 */
import { apiUrl } from "./config";

export const CSRF_COOKIE = "rekha_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// The last token the API handed us, for when the cookie is not readable from this origin
// (a dev server on another host name than the API's).
let lastToken: string | null = null;
let pending: Promise<string> | null = null;

export function readCookie(cookieHeader: string, name: string): string | null {
  for (const part of cookieHeader.split(";")) {
    const [rawKey, ...rest] = part.trim().split("=");
    if (rawKey === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export function needsCsrf(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

function cookieToken(): string | null {
  if (typeof document === "undefined") return null;
  return readCookie(document.cookie, CSRF_COOKIE);
}

/** The current token, asking the API for one if this browser has none yet. */
export async function csrfToken(): Promise<string> {
  const fromCookie = cookieToken();
  if (fromCookie) return fromCookie;
  if (lastToken) return lastToken;
  pending ??= fetch(apiUrl("/api/v1/auth/csrf-token"), { credentials: "include" })
    .then(async (response) => {
      const body = (await response.json()) as { csrf_token?: string };
      lastToken = cookieToken() ?? body.csrf_token ?? "";
      return lastToken;
    })
    .finally(() => {
      pending = null;
    });
  return pending;
}

/** Forget the remembered token (the API rotates it on sign-in and sign-out). */
export function forgetCsrfToken(): void {
  lastToken = null;
}
