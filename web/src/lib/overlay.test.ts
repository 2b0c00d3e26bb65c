import { describe, expect, it } from "vitest";

import { drawableLines, lineStyle, pathFor, scalePoints, strokeWidthFor } from "./overlay";
import type { Overlay } from "./types";

describe("overlay drawing", () => {
  it("scales points from the measured image to the displayed one", () => {
    expect(scalePoints([[100, 50], [400, 300]], [800, 600], [400, 300])).toEqual([[50, 25], [200, 150]]);
    expect(scalePoints([[10, 10]], [0, 0], [100, 100])).toEqual([[10, 10]]);
  });

  it("draws a smooth path through the points", () => {
    expect(pathFor([])).toBe("");
    expect(pathFor([[1, 2], [3, 4]])).toBe("M1 2 L3 4");
    expect(pathFor([[0, 0], [10, 10], [20, 0]])).toBe("M0 0 Q10 10 15 5 L20 0");
  });

  it("keeps stroke width proportional to the photo", () => {
    expect(strokeWidthFor([4400, 3300])).toBe(20);
    expect(strokeWidthFor([300, 200])).toBe(2);
  });

  it("orders principal lines first and skips lines without a trace", () => {
    const overlay: Overlay = {
      hand: "left",
      image_size: [100, 100],
      lines: { sun: [[1, 1], [2, 2]], heart: [[1, 1], [5, 5]], fate: [[3, 3]], life: [[0, 0], [1, 1]] },
      mounts: [],
    };
    expect(drawableLines(overlay)).toEqual(["heart", "life", "sun"]);
  });

  it("names lines in English and in the tradition", () => {
    expect(lineStyle("heart")).toMatchObject({ label: "Heart line", sanskrit: "Hriday Rekha" });
    expect(lineStyle("girdle").label).toBe("Girdle line");
  });
});
