import { describe, expect, it } from "vitest";

import { clampPage, pageCount, pageLinks, parsePage, rangeLabel } from "./pagination";

describe("pagination", () => {
  it("counts pages of five", () => {
    expect(pageCount(0, 5)).toBe(1);
    expect(pageCount(5, 5)).toBe(1);
    expect(pageCount(6, 5)).toBe(2);
    expect(pageCount(26, 5)).toBe(6);
  });

  it("reads ?page= defensively", () => {
    expect(parsePage("3")).toBe(3);
    expect(parsePage(null)).toBe(1);
    expect(parsePage("0")).toBe(1);
    expect(parsePage("-2")).toBe(1);
    expect(parsePage("2.5")).toBe(1);
    expect(parsePage("abc")).toBe(1);
    expect(clampPage(9, 12, 5)).toBe(3);
  });

  it("shows first, last and neighbours, with gaps only where pages are skipped", () => {
    expect(pageLinks(1, 1)).toEqual([1]);
    expect(pageLinks(1, 2)).toEqual([1, 2]);
    expect(pageLinks(1, 5)).toEqual([1, 2, "gap", 5]);
    expect(pageLinks(3, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(pageLinks(6, 12)).toEqual([1, "gap", 5, 6, 7, "gap", 12]);
  });

  it("labels the range shown", () => {
    expect(rangeLabel(2, 5, 12)).toBe("6–10 of 12");
    expect(rangeLabel(3, 5, 12)).toBe("11–12 of 12");
    expect(rangeLabel(1, 5, 0)).toBe("None yet");
  });
});
