"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useState } from "react";

import { useAuth } from "./AuthProvider";
import { HandImage } from "./HandImage";
import { ErrorNotice, Loading, PageHeading, Pagination, StatusBadge } from "./ui";
import { useAsync } from "@/hooks/useAsync";
import { useQueryParam } from "@/hooks/useQueryParam";
import { listAnalyses, searchConversations } from "@/lib/api";
import { messageForCode } from "@/lib/errors";
import { parsePage, rangeLabel } from "@/lib/pagination";
import { formatDate, handLabel } from "@/lib/report";
import { highlight, hitHref, searchHref } from "@/lib/search";
import type { AnalysisListItem, Hand } from "@/lib/types";

function handsOfItem(item: AnalysisListItem): Hand[] {
  const fromImages = item.images?.map((image) => image.hand) ?? [];
  const hands = item.hands?.length ? item.hands : fromImages;
  return (["left", "right"] as const).filter((h) => hands.includes(h));
}

function hrefFor(item: AnalysisListItem): string {
  const id = encodeURIComponent(item.id);
  return item.status === "completed" ? `/analysis?id=${id}` : `/progress?id=${id}`;
}

/** A search box over the conversations of all your readings; the query lives in the URL. */
function ConversationSearchForm({ query }: { query: string | null }) {
  const router = useRouter();
  const [text, setText] = useState(query ?? "");
  useEffect(() => setText(query ?? ""), [query]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const q = text.trim();
    router.push(q ? searchHref(q) : "/analyses");
  };
  return (
    <form role="search" className="conv-search" onSubmit={submit}>
      <label htmlFor="conversation-search">Search your conversations</label>
      <div className="btn-row">
        <input
          id="conversation-search"
          type="search"
          value={text}
          maxLength={200}
          placeholder="a word from a question or an answer"
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit" className="btn ghost small">
          Search
        </button>
      </div>
    </form>
  );
}

function ConversationResults({ query, page }: { query: string; page: number }) {
  const found = useAsync(() => searchConversations(query, page), `${query}:${page}`);
  return (
    <section aria-labelledby="search-results-title">
      <h2 id="search-results-title" style={{ fontSize: "1.15rem" }}>
        Conversations with “{query}”
      </h2>
      {found.loading ? <Loading /> : null}
      <ErrorNotice error={found.error} title="We could not search your conversations" />
      {found.data && found.data.items.length === 0 ? (
        <p className="card empty">No conversation of yours mentions “{query}”.</p>
      ) : null}
      {found.data && found.data.items.length > 0 ? (
        <>
          <p className="hint" style={{ color: "var(--muted)" }} aria-live="polite">
            {rangeLabel(found.data.page, found.data.page_size, found.data.total)}
          </p>
          <ul className="conv-list" data-testid="search-results">
            {found.data.items.map((hit) => (
              <li key={hit.id} data-testid="search-hit">
                <Link href={hitHref(hit.analysis_id, hit.id)}>
                  <span className="hit-title">{hit.title}</span>{" "}
                  <small style={{ color: "var(--muted)" }}>{formatDate(hit.updated_at ?? hit.created_at)}</small>
                  {hit.snippet ? (
                    <span className="snippet">
                      {highlight(hit.snippet, query).map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
                    </span>
                  ) : null}
                </Link>
              </li>
            ))}
          </ul>
          <Pagination
            of={found.data}
            hrefFor={(p) => searchHref(query, p)}
            label="Pages of conversations found"
          />
        </>
      ) : null}
      <p>
        <Link href="/analyses">All my readings</Link>
      </p>
    </section>
  );
}

export function AnalysesView() {
  const { user } = useAuth();
  const page = parsePage(useQueryParam("page"));
  const query = useQueryParam("q");
  const list = useAsync(user && !query ? () => listAnalyses(page) : null, `${user?.id ?? ""}:${page}:${query ?? ""}`);

  if (user === undefined) return <Loading />;
  if (user === null) {
    return (
      <div className="card form-narrow">
        <PageHeading>My readings</PageHeading>
        <p>
          Please <Link href="/signin?next=/analyses">sign in</Link> to see your readings.
        </p>
      </div>
    );
  }

  return (
    <div style={{ maxWidth: "48rem", margin: "0 auto" }}>
      <div className="conv-head">
        <div>
          <PageHeading eyebrow={query ? "Your conversations" : "Newest first"}>My readings</PageHeading>
        </div>
        <Link className="btn saffron small" href="/">
          New reading
        </Link>
      </div>
      <ConversationSearchForm query={query} />
      {query ? <ConversationResults query={query} page={page} /> : null}
      {list.loading ? <Loading /> : null}
      <ErrorNotice error={list.error} title="We could not load your readings" />
      {!query && list.data && list.data.items.length === 0 ? (
        <div className="card empty">
          <p>No readings yet. Photograph a palm to make your first.</p>
          <Link className="btn saffron" href="/">
            Read my palm
          </Link>
        </div>
      ) : null}
      {!query && list.data && list.data.items.length > 0 ? (
        <>
          <p className="hint" style={{ color: "var(--muted)" }} aria-live="polite">
            {rangeLabel(list.data.page, list.data.page_size, list.data.total)}
          </p>
          <ul className="analysis-list" data-testid="analysis-list">
            {list.data.items.map((item) => {
              const hands = handsOfItem(item);
              return (
                <li key={item.id} className="analysis-item" data-testid="analysis-item">
                  <div className="thumbs" aria-hidden="true">
                    {hands.map((hand) => (
                      <HandImage key={hand} id={item.id} hand={hand} kinds={item.thumbnail_url ? ["thumbnail", "original"] : ["original"]} alt="" />
                    ))}
                  </div>
                  <div className="meta">
                    <Link href={hrefFor(item)}>
                      {hands.length === 2 ? "Both hands" : hands.map(handLabel).join(", ") || "Reading"}
                      {item.focus && item.focus !== "general" ? ` · ${item.focus}` : ""}
                    </Link>{" "}
                    <StatusBadge status={item.status} />
                    <p>
                      {formatDate(item.created_at)}
                      {item.status === "failed" && item.error ? ` · ${messageForCode(item.error.code ?? "analysis_failed", item.error.message)}` : ""}
                    </p>
                  </div>
                </li>
              );
            })}
          </ul>
          <Pagination
            of={list.data}
            hrefFor={(p) => `/analyses?page=${p}`}
            label="Pages of readings"
          />
        </>
      ) : null}
    </div>
  );
}
