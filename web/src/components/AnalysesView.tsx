"use client";

import Link from "next/link";

import { useAuth } from "./AuthProvider";
import { HandImage } from "./HandImage";
import { ErrorNotice, Loading, PageHeading, Pagination, StatusBadge } from "./ui";
import { useAsync } from "@/hooks/useAsync";
import { useQueryParam } from "@/hooks/useQueryParam";
import { listAnalyses } from "@/lib/api";
import { messageForCode } from "@/lib/errors";
import { parsePage, rangeLabel } from "@/lib/pagination";
import { formatDate, handLabel } from "@/lib/report";
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

export function AnalysesView() {
  const { user } = useAuth();
  const page = parsePage(useQueryParam("page"));
  const list = useAsync(user ? () => listAnalyses(page) : null, `${user?.id ?? ""}:${page}`);

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
          <PageHeading eyebrow="Newest first">My readings</PageHeading>
        </div>
        <Link className="btn saffron small" href="/">
          New reading
        </Link>
      </div>
      {list.loading ? <Loading /> : null}
      <ErrorNotice error={list.error} title="We could not load your readings" />
      {list.data && list.data.items.length === 0 ? (
        <div className="card empty">
          <p>No readings yet. Photograph a palm to make your first.</p>
          <Link className="btn saffron" href="/">
            Read my palm
          </Link>
        </div>
      ) : null}
      {list.data && list.data.items.length > 0 ? (
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
            page={list.data.page}
            pageSize={list.data.page_size}
            total={list.data.total}
            hrefFor={(p) => `/analyses?page=${p}`}
            label="Pages of readings"
          />
        </>
      ) : null}
    </div>
  );
}
