import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { OverlayViewer } from "./OverlayViewer";
import type { Overlay } from "@/lib/types";

const overlay: Overlay = {
  hand: "right",
  image_size: [1200, 1600],
  lines: {
    heart: [[100, 500], [400, 450], [700, 520]],
    life: [[300, 600], [350, 900], [420, 1200]],
    fate: [[600, 1300]], // a single point cannot be drawn
  },
  mounts: [{ name: "shukra", center: [350, 1100], radius: 120, lines_crossing: [] }],
};

describe("OverlayViewer", () => {
  const html = renderToStaticMarkup(<OverlayViewer overlay={overlay} src="/photo.jpg" caption="Right hand" />);

  it("draws over the photo in the photo's own coordinates", () => {
    expect(html).toContain('viewBox="0 0 1200 1600"');
    expect(html).toContain('aspect-ratio:1200 / 1600');
    expect(html).toContain('src="/photo.jpg"');
  });

  it("draws one layer per traced line, in the tradition's order, and none for a lone point", () => {
    const layers = [...html.matchAll(/data-line="([a-z]+)"/g)].map((m) => m[1]);
    expect(layers).toEqual(["heart", "life"]);
  });

  it("offers a pressed toggle per line, and mounts off at first", () => {
    expect(html).toMatch(/aria-pressed="true"[^>]*title="Hriday Rekha"/);
    expect(html).toMatch(/aria-pressed="false"[^>]*>.*Mounts/);
    expect(html).not.toContain("data-mount");
  });

  it("describes what is drawn for screen readers", () => {
    expect(html).toContain('aria-label="Right hand, with heart line, life line drawn."');
  });
});
