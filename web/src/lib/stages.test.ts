import { describe, expect, it } from "vitest";

import { STEPS, failureOf, progressView, stageLabel, stepIndex } from "./stages";

describe("progress stages", () => {
  it("maps the worker's stage names to words, in order", () => {
    expect(STEPS.map((s) => s.key)).toEqual(["queued", "preparing", "finding_hand", "tracing_lines", "interpreting", "done"]);
    expect(stageLabel("tracing_lines")).toBe("Tracing the lines");
    expect(stageLabel("Finding hand")).toBe("Finding your hand");
  });

  it("places an unknown stage by its progress and still says something readable", () => {
    expect(stepIndex("warming_up", 65)).toBe(3);
    expect(stageLabel("warming_up")).toBe("Warming up");
  });

  it("never shows 100% before the job says completed", () => {
    const view = progressView({ status: "processing", stage: "interpreting", progress: 100 });
    expect(view.percent).toBe(99);
    expect(view.finished).toBe(false);
    const done = progressView({ status: "completed", stage: "done", progress: 100 });
    expect(done).toMatchObject({ percent: 100, finished: true, failed: false });
  });

  it("does not fall behind the floor of the stage it is in", () => {
    expect(progressView({ status: "processing", stage: "tracing_lines", progress: 0 }).percent).toBe(60);
    expect(progressView({ status: "queued", stage: "queued", progress: -5 }).percent).toBe(0);
  });

  it("reports a failure with its code", () => {
    const info = { id: "a", status: "failed" as const, stage: "failed", progress: 30, error: { code: "no_hand", message: "No hand." } };
    expect(progressView(info).failed).toBe(true);
    expect(failureOf(info)).toEqual({ code: "no_hand", message: "No hand." });
    expect(failureOf({ status: "failed" })).toEqual({ code: "analysis_failed", message: "" });
    expect(failureOf({ status: "processing", error: null })).toBeNull();
  });
});
