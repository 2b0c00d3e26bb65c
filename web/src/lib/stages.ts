/** The job's stages (written by the worker to Redis) as words and a progress bar. */
import type { AnalysisStatus, StatusInfo } from "./types";

export interface StageStep {
  key: string;
  label: string;
  /** Progress the worker reports when it enters this stage. */
  at: number;
}

/** In order. Several spellings map onto one step, since the worker's names may differ. */
export const STEPS: StageStep[] = [
  { key: "queued", label: "Waiting for a reader", at: 0 },
  { key: "preparing", label: "Preparing your photos", at: 10 },
  { key: "finding_hand", label: "Finding your hand", at: 30 },
  { key: "tracing_lines", label: "Tracing the lines", at: 60 },
  { key: "interpreting", label: "Reading what the lines say", at: 85 },
  { key: "done", label: "Your reading is ready", at: 100 },
];

const ALIASES: Record<string, string> = {
  pending: "queued",
  waiting: "queued",
  starting: "preparing",
  loading: "preparing",
  thumbnails: "preparing",
  prepare: "preparing",
  detecting: "finding_hand",
  finding_the_hand: "finding_hand",
  detect_hand: "finding_hand",
  hand: "finding_hand",
  measuring: "tracing_lines",
  measure: "tracing_lines",
  lines: "tracing_lines",
  tracing: "tracing_lines",
  interpret: "interpreting",
  reading: "interpreting",
  saving: "interpreting",
  persisting: "interpreting",
  completed: "done",
  complete: "done",
  finished: "done",
};

function normalise(stage: string): string {
  const key = stage.trim().toLowerCase().replace(/[\s-]+/g, "_");
  return ALIASES[key] ?? key;
}

export function stepIndex(stage: string, progress: number): number {
  const index = STEPS.findIndex((step) => step.key === normalise(stage));
  if (index >= 0) return index;
  // An unknown stage name: place it by its progress number.
  let best = 0;
  STEPS.forEach((step, i) => {
    if (progress >= step.at) best = i;
  });
  return best;
}

export function stageLabel(stage: string, progress = 0): string {
  const known = STEPS.find((step) => step.key === normalise(stage));
  if (known) return known.label;
  if (!stage) return STEPS[stepIndex("", progress)]!.label;
  const words = stage.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export interface ProgressView {
  percent: number;
  label: string;
  step: number;
  finished: boolean;
  failed: boolean;
}

export function isFinished(status: AnalysisStatus): boolean {
  return status === "completed" || status === "failed";
}

export function progressView(info: Pick<StatusInfo, "status" | "stage" | "progress">): ProgressView {
  const percent = Math.max(0, Math.min(100, Math.round(Number.isFinite(info.progress) ? info.progress : 0)));
  if (info.status === "completed") {
    return { percent: 100, label: STEPS[STEPS.length - 1]!.label, step: STEPS.length - 1, finished: true, failed: false };
  }
  if (info.status === "failed") {
    return { percent, label: "We could not finish this reading", step: stepIndex(info.stage, percent), finished: true, failed: true };
  }
  const step = stepIndex(info.stage, percent);
  // Never show 100% before the job says completed; never fall behind the step's own floor.
  const shown = Math.min(99, Math.max(percent, STEPS[step]!.at));
  return { percent: shown, label: stageLabel(info.stage, percent), step, finished: false, failed: false };
}

/** The failure's code and message, whatever shape the status endpoint gives them in. */
export function failureOf(info: Partial<StatusInfo>): { code: string; message: string } | null {
  const error = info.error;
  if (error) return { code: error.code || "analysis_failed", message: error.message ?? "" };
  if (info.status === "failed") return { code: "analysis_failed", message: "" };
  return null;
}
