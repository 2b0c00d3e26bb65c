import { describe, expect, it } from "vitest";

import { arrangeSections, handsOf, isComparison, overlaysOf, readingOf, withoutSignInInvite } from "./report";
import { safeNext } from "./nav";
import type { ReadingSection } from "./types";

const section = (key: string, title: string, field = ""): ReadingSection => ({
  key,
  title,
  text: "…",
  evidence: field ? [{ hand: "left", field, value: 1, confidence: 0.9 }] : [],
});

describe("report", () => {
  const stored = {
    status: "completed",
    hands: ["left", "right"],
    report: {
      reading: { summary: "s", sections: [section("heart", "Heart line")], focus: "love", hands: ["right", "left"], convention: "c", disclaimer: "d" },
      overlays: { left: { hand: "left", image_size: [10, 20], lines: { heart: [[1, 2], [3, 4]] } }, right: { bogus: true } },
    },
  };

  it("finds the reading and the overlays where the worker stores them", () => {
    expect(readingOf(stored)?.summary).toBe("s");
    const overlays = overlaysOf(stored);
    expect(Object.keys(overlays)).toEqual(["left"]);
    expect(overlays.left?.mounts).toEqual([]);
    expect(readingOf({ report: null })).toBeNull();
  });

  it("lists hands left first", () => {
    expect(handsOf(stored, readingOf(stored))).toEqual(["left", "right"]);
  });

  it("puts the sections of the chosen focus first", () => {
    const sections = [section("shape", "Hand shape"), section("fate", "Fate line"), section("x", "Your heart", "lines.heart.depth")];
    const love = arrangeSections(sections, "love");
    expect(love.map((s) => s.section.key)).toEqual(["x", "shape", "fate"]);
    expect(love.map((s) => s.matches)).toEqual([true, false, false]);
    expect(arrangeSections(sections, "career")[0]!.section.key).toBe("fate");
    expect(arrangeSections(sections, "general").every((s) => s.matches)).toBe(true);
  });

  it("recognises comparison sections", () => {
    expect(isComparison(section("comparison", "Left and right compared"))).toBe(true);
    expect(isComparison(section("heart", "Heart line"))).toBe(false);
  });

  it("drops the sign-in invitation from the summary inside the full report", () => {
    expect(withoutSignInInvite("A water hand. Sign in for the full reading, 13 sections. Enjoy!")).toBe("A water hand. Enjoy!");
    expect(withoutSignInInvite("Nothing to drop here.")).toBe("Nothing to drop here.");
  });

  it("allows only same-site paths after sign-in", () => {
    expect(safeNext("/report?id=1")).toBe("/report?id=1");
    expect(safeNext("//evil.example")).toBe("/analyses");
    expect(safeNext("https://evil.example")).toBe("/analyses");
    expect(safeNext(null)).toBe("/analyses");
  });
});
