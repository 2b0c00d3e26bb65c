"use client";

import Link from "next/link";
import { useEffect, useRef, type ReactNode } from "react";

import { Mandala } from "./LotusMark";
import { errorMessage } from "@/lib/errors";
import { pageLinks, pageCount, rangeLabel } from "@/lib/pagination";
import type { AnalysisStatus, Page } from "@/lib/types";

/** An error, in words, announced to screen readers. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div className="notice error" role="alert">
      {title ? <strong>{title}</strong> : null}
      {errorMessage(error)}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="empty" role="status" aria-live="polite">
      <Mandala />
      <p>{label}</p>
    </div>
  );
}

const STATUS_WORDS: Record<AnalysisStatus, string> = {
  queued: "Waiting",
  processing: "Reading",
  completed: "Ready",
  failed: "Not read",
};

export function StatusBadge({ status }: { status: AnalysisStatus }) {
  return <span className={`badge ${status}`}>{STATUS_WORDS[status] ?? status}</span>;
}

/** Page links as real links (?page=N), so they work without script and with the keyboard. */
export function Pagination({
  of,
  hrefFor,
  label,
}: {
  of: Pick<Page<unknown>, "page" | "page_size" | "total">;
  hrefFor: (page: number) => string;
  label: string;
}) {
  const { page, page_size: pageSize, total } = of;
  const pages = pageCount(total, pageSize);
  if (pages <= 1) return null;
  return (
    <nav className="pagination" aria-label={label}>
      {page > 1 ? (
        <Link href={hrefFor(page - 1)} rel="prev">
          ‹ Newer
        </Link>
      ) : (
        <span className="disabled" aria-hidden="true">
          ‹ Newer
        </span>
      )}
      {pageLinks(page, pages).map((link, i) =>
        link === "gap" ? (
          <span key={`gap-${i}`} className="gap" aria-hidden="true">
            …
          </span>
        ) : (
          <Link
            key={link}
            href={hrefFor(link)}
            aria-current={link === page ? "page" : undefined}
            aria-label={`Page ${link}`}
          >
            {link}
          </Link>
        ),
      )}
      {page < pages ? (
        <Link href={hrefFor(page + 1)} rel="next">
          Older ›
        </Link>
      ) : (
        <span className="disabled" aria-hidden="true">
          Older ›
        </span>
      )}
      <span className="visually-hidden">{rangeLabel(page, pageSize, total)}</span>
    </nav>
  );
}

/** Moves keyboard focus to the page's heading when it appears (new content after navigation). */
export function PageHeading({ children, eyebrow }: { children: ReactNode; eyebrow?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <>
      {eyebrow ? <span className="eyebrow">{eyebrow}</span> : null}
      <h1 ref={ref} tabIndex={-1} style={{ outline: "none" }}>
        {children}
      </h1>
    </>
  );
}

/** The invitation to sign in or register; `next` is where to come back to afterwards. */
export function Gate({ next, title, children }: { next: string; title?: string; children?: ReactNode }) {
  const query = `?next=${encodeURIComponent(next)}`;
  return (
    <section className="gate" aria-labelledby="gate-title">
      <h2 id="gate-title">{title ?? "Your full reading is waiting"}</h2>
      {children ?? (
        <p>
          Create a free account (or sign in) to open the full report: every line drawn on your photo, what each one
          says, both hands compared, and a conversation to ask about it. This reading comes with you into your
          account.
        </p>
      )}
      <div className="btn-row">
        <Link className="btn saffron" href={`/register${query}`}>
          Create a free account
        </Link>
        <Link className="btn ghost" href={`/signin${query}`}>
          I have an account
        </Link>
      </div>
    </section>
  );
}
