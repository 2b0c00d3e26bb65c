/** Page numbers for lists the API pages ({items, page, page_size, total}). */

export function pageCount(total: number, pageSize: number): number {
  if (pageSize <= 0) return 1;
  return Math.max(1, Math.ceil(total / pageSize));
}

export function clampPage(page: number, total: number, pageSize: number): number {
  if (!Number.isFinite(page)) return 1;
  return Math.min(Math.max(1, Math.floor(page)), pageCount(total, pageSize));
}

/** Parses ?page= from a URL query: anything odd becomes page 1. */
export function parsePage(raw: string | null | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

export type PageLink = number | "gap";

/** Page links to show: first, last, and a window around the current page, with gaps. */
export function pageLinks(current: number, pages: number, window = 1): PageLink[] {
  const shown = new Set<number>([1, pages]);
  for (let p = current - window; p <= current + window; p++) if (p >= 1 && p <= pages) shown.add(p);
  const sorted = [...shown].sort((a, b) => a - b);
  const links: PageLink[] = [];
  sorted.forEach((p, i) => {
    const previous = sorted[i - 1];
    if (previous !== undefined && p - previous === 2) links.push(previous + 1);
    else if (previous !== undefined && p - previous > 2) links.push("gap");
    links.push(p);
  });
  return links;
}

/** "6–10 of 12" for screen readers and the eye. */
export function rangeLabel(page: number, pageSize: number, total: number): string {
  if (total === 0) return "None yet";
  const from = (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  return `${from}–${to} of ${total}`;
}
