"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

import { Mandala } from "./LotusMark";
import { ErrorNotice, Loading, PageHeading } from "./ui";
import { useAnalysisStatus } from "@/hooks/useAnalysisStatus";
import { useQueryParam } from "@/hooks/useQueryParam";
import { retryAnalysis } from "@/lib/api";
import { messageForCode } from "@/lib/errors";
import { STEPS, failureOf, progressView } from "@/lib/stages";

const PERMANENT = new Set(["no_hand", "back_of_hand", "multiple_hands", "hand_cut_off", "too_blurry", "too_dark", "wrong_hand", "unreadable_image"]);

export function ProgressView() {
  const id = useQueryParam("id");
  const router = useRouter();
  const { info, error } = useAnalysisStatus(id);
  const [retryError, setRetryError] = useState<unknown>(null);

  const view = info ? progressView(info) : null;
  const failure = info ? failureOf(info) : null;

  useEffect(() => {
    if (info?.status === "completed" && id) {
      const timer = setTimeout(() => router.replace(`/summary?id=${encodeURIComponent(id)}`), 700);
      return () => clearTimeout(timer);
    }
  }, [info?.status, id, router]);

  if (!id) return <ErrorNotice error={new Error("missing id")} title="This link is incomplete" />;

  async function retry() {
    if (!id) return;
    setRetryError(null);
    try {
      await retryAnalysis(id);
      window.location.reload();
    } catch (failed) {
      setRetryError(failed);
    }
  }

  if (view?.failed) {
    const code = failure?.code ?? "analysis_failed";
    return (
      <div className="card" style={{ maxWidth: "40rem", margin: "0 auto" }} data-testid="refusal">
        <PageHeading eyebrow="We could not read this photo">Let’s try another photo</PageHeading>
        <p className="summary-text" role="alert">
          {messageForCode(code, failure?.message ?? "")}
        </p>
        <p style={{ color: "var(--muted)" }}>Rekha reads photos of one open palm, facing the camera. What helps most:</p>
        <ul className="tips" style={{ marginBottom: "1rem" }}>
          <li>Daylight or a bright lamp, no harsh shadow.</li>
          <li>The whole palm in the frame, fingers together, from the wrist crease to the fingertips.</li>
          <li>Hold steady and tap to focus on the lines.</li>
        </ul>
        <ErrorNotice error={retryError} />
        <div className="btn-row">
          <Link className="btn saffron" href="/">
            Upload another photo
          </Link>
          {!PERMANENT.has(code) ? (
            <button type="button" className="btn ghost" onClick={retry}>
              Try again
            </button>
          ) : null}
        </div>
      </div>
    );
  }

  return (
    <div className="card" style={{ maxWidth: "40rem", margin: "0 auto", textAlign: "left" }}>
      <div style={{ display: "flex", gap: "1rem", alignItems: "center" }}>
        <Mandala />
        <div>
          <PageHeading eyebrow="Your reading">Reading your palm…</PageHeading>
          <p style={{ margin: 0, color: "var(--muted)" }}>This usually takes less than a minute. You can keep this page open.</p>
        </div>
      </div>
      {view ? (
        <>
          <div style={{ marginTop: "1.25rem" }}>
            <div
              className="progress-track"
              role="progressbar"
              aria-label="Reading progress"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={view.percent}
              aria-valuetext={`${view.percent}%: ${view.label}`}
            >
              <div className="progress-fill" style={{ width: `${view.percent}%` }} />
            </div>
            <p aria-live="polite" style={{ marginTop: "0.5rem", fontWeight: 600, color: "var(--indigo-deep)" }} data-testid="stage-label">
              {view.label} · {view.percent}%
            </p>
          </div>
          <ol className="steps" aria-label="Stages">
            {STEPS.map((step, i) => {
              const state = i < view.step || view.finished ? "done" : i === view.step ? "current" : "todo";
              return (
                <li key={step.key} className={state} aria-current={state === "current" ? "step" : undefined}>
                  <span className="dot" aria-hidden="true">
                    {state === "done" ? "✓" : ""}
                  </span>
                  {step.label}
                  {state === "done" ? <span className="visually-hidden"> (done)</span> : null}
                </li>
              );
            })}
          </ol>
        </>
      ) : error ? null : (
        <Loading label="Connecting…" />
      )}
      {info?.error && !view?.failed ? (
        <p className="notice" role="status">
          {messageForCode(info.error.code, info.error.message)}
        </p>
      ) : null}
      <ErrorNotice error={error} title="We lost touch with your reading for a moment" />
    </div>
  );
}
