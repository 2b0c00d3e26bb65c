import { describe, expect, it } from "vitest";

import { highlight, hitHref, searchHref } from "./search";

describe("conversation search", () => {
  it("marks every occurrence of the words searched for, ignoring case", () => {
    expect(highlight("…my Head line and the head…", "head")).toEqual([
      { text: "…my ", match: false },
      { text: "Head", match: true },
      { text: " line and the ", match: false },
      { text: "head", match: true },
      { text: "…", match: false },
    ]);
  });

  it("leaves a snippet without the words, or an empty query, unmarked", () => {
    expect(highlight("nothing here", "heart")).toEqual([{ text: "nothing here", match: false }]);
    expect(highlight("some text", "  ")).toEqual([{ text: "some text", match: false }]);
    expect(highlight("", "x")).toEqual([]);
  });

  it("links a hit to its reading with the conversation open, and pages the search", () => {
    expect(hitHref("a b", "c/d")).toBe("/analysis?id=a%20b&c=c%2Fd");
    expect(searchHref("head line")).toBe("/analyses?q=head%20line");
    expect(searchHref("love", 2)).toBe("/analyses?q=love&page=2");
  });
});
