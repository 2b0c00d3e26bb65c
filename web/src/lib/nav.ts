/** Only same-site paths may be a `next` target (no open redirect to another site). */
export function safeNext(raw: string | null | undefined, fallback = "/analyses"): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return fallback;
  return raw;
}
