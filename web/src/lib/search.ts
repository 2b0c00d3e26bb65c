/** Conversation search: where the words searched for stand in a snippet, for highlighting. */

export interface SnippetPart {
  text: string;
  match: boolean;
}

/** The snippet cut into parts, those equal to `query` (ignoring case) marked as matches. */
export function highlight(snippet: string, query: string): SnippetPart[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return snippet ? [{ text: snippet, match: false }] : [];
  const parts: SnippetPart[] = [];
  const lower = snippet.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    if (at > from) parts.push({ text: snippet.slice(from, at), match: false });
    parts.push({ text: snippet.slice(at, at + needle.length), match: true });
    from = at + needle.length;
  }
  if (from < snippet.length) parts.push({ text: snippet.slice(from), match: false });
  return parts;
}

/** Where a hit opens: its reading's page with the conversation selected. */
export function hitHref(analysisId: string, conversationId: string): string {
  return `/analysis?id=${encodeURIComponent(analysisId)}&c=${encodeURIComponent(conversationId)}`;
}

/** The readings page searching for `q` (page 1 unless given). */
export function searchHref(q: string, page = 1): string {
  const query = `q=${encodeURIComponent(q)}`;
  return page > 1 ? `/analyses?${query}&page=${page}` : `/analyses?${query}`;
}
