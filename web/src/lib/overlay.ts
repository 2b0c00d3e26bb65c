/** Drawing the measured lines over the photo: names, colours, scaling and SVG paths. */
import type { Overlay, Point } from "./types";

export interface LineStyle {
  label: string;
  sanskrit: string;
  colour: string;
}

/** Colours chosen to read on skin tones and on each other; names from the tradition. */
export const LINE_STYLES: Record<string, LineStyle> = {
  heart: { label: "Heart line", sanskrit: "Hriday Rekha", colour: "#d6336c" },
  head: { label: "Head line", sanskrit: "Mastishk Rekha", colour: "#3b5bdb" },
  life: { label: "Life line", sanskrit: "Jeevan Rekha", colour: "#e8590c" },
  fate: { label: "Fate line", sanskrit: "Bhagya Rekha", colour: "#7048e8" },
  sun: { label: "Sun line", sanskrit: "Surya Rekha", colour: "#f59f00" },
  mercury: { label: "Mercury line", sanskrit: "Budh Rekha", colour: "#0ca678" },
  marriage: { label: "Marriage lines", sanskrit: "Vivah Rekha", colour: "#c2255c" },
  bracelet: { label: "Bracelets", sanskrit: "Manibandh", colour: "#1098ad" },
};

export const MOUNT_LABELS: Record<string, string> = {
  guru: "Guru (Jupiter)",
  shani: "Shani (Saturn)",
  surya: "Surya (Sun)",
  budh: "Budh (Mercury)",
  shukra: "Shukra (Venus)",
  chandra: "Chandra (Moon)",
  mangal_inner: "Mangal, inner (Mars)",
  mangal_outer: "Mangal, outer (Mars)",
  rahu: "Rahu",
  ketu: "Ketu",
};

export function lineStyle(name: string): LineStyle {
  return LINE_STYLES[name] ?? { label: `${name.charAt(0).toUpperCase()}${name.slice(1)} line`, sanskrit: "", colour: "#495057" };
}

/** Lines in the order of LINE_STYLES (the principal ones first), only those with points. */
export function drawableLines(overlay: Overlay): string[] {
  const order = Object.keys(LINE_STYLES);
  return Object.keys(overlay.lines)
    .filter((name) => (overlay.lines[name]?.length ?? 0) >= 2)
    .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
}

/** Maps points measured on an image of `from` size onto one of `to` size. */
export function scalePoints(points: Point[], from: [number, number], to: [number, number]): Point[] {
  const [fw, fh] = from;
  const [tw, th] = to;
  if (fw <= 0 || fh <= 0) return points;
  const sx = tw / fw;
  const sy = th / fh;
  return points.map(([x, y]) => [x * sx, y * sy]);
}

/** A smooth SVG path through the points (quadratic curves through midpoints). */
export function pathFor(points: Point[], precision = 1): string {
  const round = (v: number) => Number(v.toFixed(precision));
  if (points.length === 0) return "";
  const [first, ...rest] = points;
  if (rest.length === 0) return `M${round(first![0])} ${round(first![1])}`;
  if (rest.length === 1) return `M${round(first![0])} ${round(first![1])} L${round(rest[0]![0])} ${round(rest[0]![1])}`;
  let d = `M${round(first![0])} ${round(first![1])}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [x, y] = points[i]!;
    const [nx, ny] = points[i + 1]!;
    d += ` Q${round(x)} ${round(y)} ${round((x + nx) / 2)} ${round((y + ny) / 2)}`;
  }
  const last = points[points.length - 1]!;
  d += ` L${round(last[0])} ${round(last[1])}`;
  return d;
}

/** Stroke width that looks the same on a 4000 px photo and a 600 px one. */
export function strokeWidthFor(imageSize: [number, number]): number {
  return Math.max(2, Math.round(Math.max(imageSize[0], imageSize[1]) / 220));
}

/** Whether a drawn line is only a guess: below the engine's clear bar, drawn dotted. */
export function isUnclear(overlay: Overlay, name: string): boolean {
  return overlay.not_clear?.includes(name) ?? false;
}
