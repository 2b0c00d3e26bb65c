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
  not_clear: ["life"],
  signs: [
    { line: "heart", kind: "island", at: [400, 450] },
    { line: "head", kind: "fork", at: [10, 10] }, // its line is not drawn: no ring either
  ],
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

  it("describes what is drawn for screen readers, saying which lines are guesses", () => {
    expect(html).toContain('aria-label="Right hand, with heart line, life line (not clearly visible) drawn."');
  });

  it("draws a line that is not clearly visible dotted, and says so on its toggle", () => {
    const layer = (name: string) => html.match(new RegExp(`<g data-line="${name}"[^>]*>(.*?)</g>`))![0];
    expect(layer("life")).toContain('data-clear="false"');
    expect(layer("life")).toContain("stroke-dasharray");
    expect(layer("heart")).toContain('data-clear="true"');
    expect(layer("heart")).not.toContain("stroke-dasharray");
    expect(html).toMatch(/title="Jeevan Rekha"[^>]*>.*?Life line<span class="layer-note"> · not clearly visible<\/span>/);
    expect(html).not.toMatch(/title="Hriday Rekha"[^>]*>[^<]*<span[^>]*><\/span>Heart line<span class="layer-note">/);
    expect(html).toContain("Dotted: not clearly visible on this photo");
  });

  it("rings the signs on drawn lines, named for screen readers", () => {
    const rings = [...html.matchAll(/data-sign="([a-z]+)" data-sign-line="([a-z]+)"/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(rings).toEqual(["island:heart"]);
    expect(html).toContain("<title>Island on the heart line</title>");
  });

  it("draws every line plainly when the overlay predates the clear marks", () => {
    const old = renderToStaticMarkup(
      <OverlayViewer overlay={{ ...overlay, not_clear: undefined, signs: undefined }} src="/p.jpg" caption="Right hand" />,
    );
    expect(old).not.toContain('data-clear="false"');
    expect(old).not.toContain("data-sign");
    expect(old).not.toContain("Dotted:");
  });
});
