"use client";

import Link from "next/link";
import { useState } from "react";

import { OverlayViewer } from "./OverlayViewer";
import { ErrorNotice, Gate, Loading, PageHeading } from "./ui";
import { HandImage } from "./HandImage";
import { useAsync } from "@/hooks/useAsync";
import { useQueryParam } from "@/hooks/useQueryParam";
import { getAnalysis, imageUrl } from "@/lib/api";
import { ApiError } from "@/lib/errors";
import { LINE_STYLES, isUnclear, lineStyle } from "@/lib/overlay";
import {
  FOCUS_OPTIONS,
  arrangeSections,
  formatDate,
  handLabel,
  handsOf,
  isComparison,
  overlaysOf,
  readingOf,
  withoutSignInInvite,
} from "@/lib/report";
import type { Focus, Hand, Overlay, ReadingSection } from "@/lib/types";

function Section({ section, matches, focus }: { section: ReadingSection; matches: boolean; focus: Focus }) {
  const className = `section-card${focus !== "general" ? (matches ? " match" : " dim") : ""}`;
  return (
    <section className={className} aria-labelledby={`section-${section.key}`} data-section={section.key}>
      <h3 id={`section-${section.key}`}>{section.title}</h3>
      <p>{section.text}</p>
      {section.evidence.length ? (
        <details className="evidence">
          <summary>What this rests on ({section.evidence.length})</summary>
          <ul>
            {section.evidence.map((item, i) => (
              <li key={i}>
                {handLabel(item.hand)}: {item.field.replace(/\./g, " › ").replace(/_/g, " ")} ={" "}
                {typeof item.value === "number" ? item.value.toFixed(2) : String(item.value)} (confidence{" "}
                {Math.round(item.confidence * 100)}%)
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

type Loose = Record<string, unknown>;

function measured(analysis: unknown, hand: Hand, line: string): Loose | null {
  const m = (analysis as { report?: { measurements?: Record<string, { lines?: Record<string, Loose> }> } })?.report?.measurements;
  return m?.[hand]?.lines?.[line] ?? null;
}

function shapeOf(analysis: unknown, hand: Hand): string | null {
  const m = (analysis as { report?: { measurements?: Record<string, { geometry?: { shape?: string } }> } })?.report?.measurements;
  return m?.[hand]?.geometry?.shape ?? null;
}

/** Both hands side by side: which lines were traced on each, and how long. */
function Comparison({ analysis, overlays }: { analysis: unknown; overlays: Partial<Record<Hand, Overlay>> }) {
  const names = Object.keys(LINE_STYLES).filter((name) => overlays.left?.lines[name]?.length || overlays.right?.lines[name]?.length);
  const cell = (hand: Hand, name: string) => {
    const traced = (overlays[hand]?.lines[name]?.length ?? 0) >= 2;
    const length = measured(analysis, hand, name)?.length_ratio;
    if (!traced) return "not clear";
    if (overlays[hand] && isUnclear(overlays[hand]!, name)) return "not clearly visible";
    return typeof length === "number" ? `traced, ${length.toFixed(2)} × palm width` : "traced";
  };
  const leftShape = shapeOf(analysis, "left");
  const rightShape = shapeOf(analysis, "right");
  return (
    <div className="card" style={{ overflowX: "auto" }}>
      <table style={{ width: "100%", borderCollapse: "collapse", fontSize: "0.95rem" }}>
        <caption style={{ textAlign: "left", fontWeight: 600, marginBottom: "0.5rem", color: "var(--indigo-deep)" }}>
          Left (born with) and right (made of it), line by line
        </caption>
        <thead>
          <tr>
            <th scope="col" style={{ textAlign: "left", padding: "0.35rem" }}>Line</th>
            <th scope="col" style={{ textAlign: "left", padding: "0.35rem" }}>Left</th>
            <th scope="col" style={{ textAlign: "left", padding: "0.35rem" }}>Right</th>
          </tr>
        </thead>
        <tbody>
          {leftShape || rightShape ? (
            <tr style={{ borderTop: "1px solid var(--line)" }}>
              <th scope="row" style={{ textAlign: "left", padding: "0.35rem", fontWeight: 500 }}>Hand shape</th>
              <td style={{ padding: "0.35rem" }}>{leftShape ?? "—"}</td>
              <td style={{ padding: "0.35rem" }}>{rightShape ?? "—"}</td>
            </tr>
          ) : null}
          {names.map((name) => (
            <tr key={name} style={{ borderTop: "1px solid var(--line)" }}>
              <th scope="row" style={{ textAlign: "left", padding: "0.35rem", fontWeight: 500 }}>
                <span aria-hidden="true" style={{ color: lineStyle(name).colour }}>● </span>
                {lineStyle(name).label}
              </th>
              <td style={{ padding: "0.35rem" }}>{cell("left", name)}</td>
              <td style={{ padding: "0.35rem" }}>{cell("right", name)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ReportView() {
  const id = useQueryParam("id");
  const analysis = useAsync(id ? () => getAnalysis(id) : null, id ?? "");
  const [focus, setFocus] = useState<Focus | null>(null);
  const [shownHand, setShownHand] = useState<Hand | null>(null);

  if (!id) return <ErrorNotice error={new Error("missing id")} title="This link is incomplete" />;
  if (analysis.loading) return <Loading label="Opening your full report…" />;
  const here = `/report?id=${encodeURIComponent(id)}`;
  if (analysis.error instanceof ApiError && (analysis.error.code === "login_required" || analysis.error.status === 401)) {
    return (
      <div style={{ maxWidth: "44rem", margin: "0 auto" }}>
        <PageHeading eyebrow="Full report">Sign in to open the full report</PageHeading>
        <p className="lede">
          You can still read <Link href={`/summary?id=${encodeURIComponent(id)}`}>the summary</Link>.
        </p>
        <Gate next={here} />
      </div>
    );
  }
  if (analysis.error || !analysis.data) return <ErrorNotice error={analysis.error} title="We could not open this report" />;

  const data = analysis.data;
  if (data.status !== "completed") {
    return (
      <div className="card" style={{ maxWidth: "40rem", margin: "0 auto" }}>
        <PageHeading>This reading is not ready</PageHeading>
        <p>
          <Link href={`/progress?id=${encodeURIComponent(id)}`}>Follow its progress</Link>.
        </p>
      </div>
    );
  }
  const reading = readingOf(data);
  const overlays = overlaysOf(data);
  const hands = handsOf(data, reading);
  const activeFocus: Focus = focus ?? reading?.focus ?? "general";
  // The dominant hand leads the reading, so it is shown first (right, unless told otherwise).
  const leading: Hand = data.dominant_hand === "left" ? "left" : "right";
  const visibleHand: Hand = shownHand ?? (hands.includes(leading) ? leading : (hands[0] ?? "left"));
  const sections = reading?.sections ?? [];
  const comparisonSections = hands.length === 2 ? sections.filter(isComparison) : [];
  const mainSections = sections.filter((s) => !comparisonSections.includes(s));

  return (
    <article>
      <div className="conv-head" style={{ alignItems: "flex-end" }}>
        <div>
          <PageHeading eyebrow={`Full report${data.created_at ? ` · ${formatDate(data.created_at)}` : ""}`}>Your palm, line by line</PageHeading>
        </div>
        <div className="btn-row no-print" style={{ marginTop: 0 }}>
          <Link className="btn small ghost" href={`/analysis?id=${encodeURIComponent(id)}`}>
            Ask about it
          </Link>
          <button type="button" className="btn small ghost" onClick={() => window.print()}>
            Print
          </button>
        </div>
      </div>
      {reading ? <p className="summary-text">{withoutSignInInvite(reading.summary)}</p> : null}

      <div className="report-layout">
        <div className="report-hands">
          {hands.length === 2 ? (
            <div className="focus-switch hand-switch no-print" role="group" aria-label="Which hand to show">
              {hands.map((hand) => (
                <button key={hand} type="button" aria-pressed={visibleHand === hand} onClick={() => setShownHand(hand)}>
                  {handLabel(hand)}
                </button>
              ))}
            </div>
          ) : null}
          <div className="hands-grid">
            {hands.map((hand) => (
              <div key={hand} className={hand === visibleHand ? undefined : "screen-hidden"} data-hand={hand}>
                {overlays[hand] ? (
                  <OverlayViewer overlay={overlays[hand]!} src={imageUrl(id, hand, "original")} caption={handLabel(hand)} />
                ) : (
                  <figure className="overlay-figure">
                    <HandImage id={id} hand={hand} kinds={["overlay", "original"]} alt={`${handLabel(hand)} photo`} className="slot-preview" />
                    <figcaption>{handLabel(hand)}</figcaption>
                  </figure>
                )}
              </div>
            ))}
          </div>
          {reading?.convention ? (
            <p className="hint" style={{ color: "var(--muted)", fontSize: "0.9rem", marginTop: "0.75rem" }}>
              {reading.convention}
            </p>
          ) : null}
        </div>

        <div>
          <div className="no-print" style={{ marginBottom: "1rem" }}>
            <h2 id="focus-title" style={{ marginTop: 0, fontSize: "1.1rem" }}>
              Dwell on
            </h2>
            <div className="focus-switch" role="group" aria-labelledby="focus-title">
              {FOCUS_OPTIONS.map((option) => (
                <button
                  key={option.value}
                  type="button"
                  aria-pressed={activeFocus === option.value}
                  onClick={() => setFocus(option.value)}
                  title={option.hint}
                >
                  {option.label}
                </button>
              ))}
            </div>
          </div>
          <div aria-live="polite">
            {arrangeSections(mainSections, activeFocus).map(({ section, matches }) => (
              <Section key={section.key} section={section} matches={matches} focus={activeFocus} />
            ))}
          </div>
        </div>
      </div>

      {hands.length === 2 ? (
        <section aria-labelledby="compare-title">
          <h2 id="compare-title">Left and right compared</h2>
          {comparisonSections.map((section) => (
            <Section key={section.key} section={section} matches focus="general" />
          ))}
          <Comparison analysis={data} overlays={overlays} />
        </section>
      ) : null}

      {reading?.disclaimer ? <p className="disclaimer">{reading.disclaimer}</p> : null}
    </article>
  );
}
