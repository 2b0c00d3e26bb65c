"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { Mandala } from "./LotusMark";
import { ErrorNotice } from "./ui";
import { UploadSlot, type SlotValue } from "./UploadSlot";
import { ApiError } from "@/lib/errors";
import { FOCUS_OPTIONS } from "@/lib/report";
import { looksLikeSameFile, uploadAnalysis } from "@/lib/upload";
import type { Focus, Hand } from "@/lib/types";

const TIPS = [
  "Daylight or a bright lamp, with no harsh shadow across the palm.",
  "Open your hand flat, fingers together, palm facing the camera.",
  "Fill the frame: the whole palm, the base of the fingers and the wrist crease.",
  "Hold the phone steady and tap the screen to focus on the lines.",
  "One hand per photo. Both hands give the richest reading.",
];

export function UploadView() {
  const router = useRouter();
  const [left, setLeft] = useState<SlotValue | null>(null);
  const [right, setRight] = useState<SlotValue | null>(null);
  const [focus, setFocus] = useState<Focus>("general");
  const [dominant, setDominant] = useState<Hand | "">("");
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  const uploading = progress !== null;
  const ready = Boolean(left || right);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!ready) {
      setError(new ApiError(400, "no_images", ""));
      return;
    }
    if (looksLikeSameFile(left?.file ?? null, right?.file ?? null)) {
      setError(new ApiError(400, "same_image", ""));
      return;
    }
    setError(null);
    setProgress(0);
    try {
      const accepted = await uploadAnalysis(
        { left: left?.file ?? null, right: right?.file ?? null, focus, dominantHand: dominant || null },
        setProgress,
      );
      router.push(`/progress?id=${encodeURIComponent(accepted.id)}`);
    } catch (failure) {
      setError(failure);
      setProgress(null);
    }
  }

  return (
    <>
      <section className="hero">
        <div>
          <span className="eyebrow">Hast Rekha Shastra</span>
          <h1>What do the lines of your hand say?</h1>
          <p className="lede">
            Photograph your palms and Rekha traces the heart, head, life and fate lines, then reads them in the Indian
            tradition: your left hand for what you were born with, your right for what you make of it.
          </p>
        </div>
        <Mandala className="hero-art" />
      </section>

      <form onSubmit={submit} noValidate aria-describedby="upload-help">
        <div className="upload-grid">
          <div>
            <div className="slots">
              <UploadSlot hand="left" value={left} onChange={setLeft} disabled={uploading} />
              <UploadSlot hand="right" value={right} onChange={setRight} disabled={uploading} />
            </div>
            <p id="upload-help" className="hint" style={{ color: "var(--muted)", fontSize: "0.9rem", marginTop: "0.75rem" }}>
              Drop a photo on a slot, choose one, or take one with your phone. JPEG, PNG, HEIC or WebP, up to 15 MB
              each. One palm is enough; two make a comparison.
            </p>

            <div className="card" style={{ marginTop: "1rem" }}>
              <fieldset className="field">
                <legend>What would you like the reading to dwell on?</legend>
                <div className="chips" style={{ marginTop: "0.5rem" }}>
                  {FOCUS_OPTIONS.map((option) => (
                    <label key={option.value} className="chip">
                      <input
                        type="radio"
                        name="focus"
                        value={option.value}
                        checked={focus === option.value}
                        onChange={() => setFocus(option.value)}
                        disabled={uploading}
                      />
                      <span>{option.label}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
              <fieldset className="field" style={{ marginBottom: 0 }}>
                <legend>Which hand do you write with? (optional)</legend>
                <div className="chips" style={{ marginTop: "0.5rem" }}>
                  {(
                    [
                      ["", "Not saying"],
                      ["left", "Left"],
                      ["right", "Right"],
                    ] as const
                  ).map(([value, label]) => (
                    <label key={value || "none"} className="chip">
                      <input
                        type="radio"
                        name="dominant_hand"
                        value={value}
                        checked={dominant === value}
                        onChange={() => setDominant(value)}
                        disabled={uploading}
                      />
                      <span>{label}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
            </div>

            <ErrorNotice error={error} title="We could not send your photos" />

            {uploading ? (
              <div style={{ marginTop: "1rem" }} aria-live="polite">
                <div
                  className="progress-track"
                  role="progressbar"
                  aria-label="Uploading photos"
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={Math.round((progress ?? 0) * 100)}
                >
                  <div className="progress-fill" style={{ width: `${Math.round((progress ?? 0) * 100)}%` }} />
                </div>
                <p className="hint" style={{ marginTop: "0.4rem" }}>
                  {progress !== null && progress >= 1 ? "Uploaded. Starting your reading…" : `Uploading… ${Math.round((progress ?? 0) * 100)}%`}
                </p>
              </div>
            ) : null}

            <div className="btn-row">
              <button type="submit" className="btn saffron" disabled={uploading || !ready} aria-disabled={!ready}>
                Read my palm
              </button>
              {!ready ? <span className="hint" style={{ color: "var(--muted)" }}>Add at least one photo to begin.</span> : null}
            </div>
          </div>

          <aside className="card" aria-labelledby="tips-title">
            <h2 id="tips-title" style={{ marginTop: 0 }}>
              For a good reading
            </h2>
            <ul className="tips">
              {TIPS.map((tip) => (
                <li key={tip}>{tip}</li>
              ))}
            </ul>
            <p className="hint" style={{ color: "var(--muted)", fontSize: "0.9rem", marginTop: "1rem", marginBottom: 0 }}>
              No account needed to begin. Location and camera details are removed from your photos when they arrive.
            </p>
          </aside>
        </div>
      </form>
    </>
  );
}
