"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect } from "react";

import { useAuth } from "./AuthProvider";
import { HandImage } from "./HandImage";
import { ErrorNotice, Gate, Loading, PageHeading } from "./ui";
import { useAsync } from "@/hooks/useAsync";
import { useQueryParam } from "@/hooks/useQueryParam";
import { getSummary } from "@/lib/api";
import { handLabel } from "@/lib/report";

export function SummaryView() {
  const id = useQueryParam("id");
  const { user } = useAuth();
  const router = useRouter();
  const summary = useAsync(id ? () => getSummary(id) : null, id ?? "");

  const status = summary.data?.status;
  useEffect(() => {
    if (id && (status === "queued" || status === "processing" || status === "failed")) {
      router.replace(`/progress?id=${encodeURIComponent(id)}`);
    }
  }, [id, status, router]);

  if (!id) return <ErrorNotice error={new Error("missing id")} title="This link is incomplete" />;
  if (summary.loading) return <Loading label="Opening your reading…" />;
  if (summary.error || !summary.data) return <ErrorNotice error={summary.error} title="We could not open this reading" />;

  const data = summary.data;
  const hands = (["left", "right"] as const).filter((h) => data.hands?.includes(h));
  const reportHref = `/report?id=${encodeURIComponent(id)}`;

  return (
    <article className="card" style={{ maxWidth: "48rem", margin: "0 auto" }}>
      <PageHeading eyebrow="Your reading, in brief">A first look at your palm</PageHeading>
      {hands.length ? (
        <div className="thumb-row" style={{ margin: "1rem 0" }}>
          {hands.map((hand) => (
            <figure key={hand}>
              <HandImage id={id} hand={hand} kinds={["overlay", "thumbnail"]} alt={`${handLabel(hand)} with its lines traced`} />
              <figcaption>{handLabel(hand)}</figcaption>
            </figure>
          ))}
        </div>
      ) : null}
      <p className="summary-text" data-testid="summary-text">
        {data.summary?.text}
      </p>
      {user ? (
        <div className="btn-row">
          <Link className="btn saffron" href={reportHref}>
            Open the full report
          </Link>
          <Link className="btn ghost" href={`/analysis?id=${encodeURIComponent(id)}`}>
            Ask about this reading
          </Link>
        </div>
      ) : user === null ? (
        <Gate next={reportHref} />
      ) : null}
      {data.summary?.convention ? <p style={{ color: "var(--muted)" }}>{data.summary.convention}</p> : null}
      {data.summary?.disclaimer ? <p className="disclaimer">{data.summary.disclaimer}</p> : null}
    </article>
  );
}
