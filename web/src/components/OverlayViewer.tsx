"use client";

import { useState } from "react";

import { MOUNT_LABELS, drawableLines, isUnclear, lineStyle, pathFor, strokeWidthFor } from "@/lib/overlay";
import type { Overlay } from "@/lib/types";

// Screen pixels, whatever the photo's size (non-scaling strokes).
const LINE_PX = 3.5;
// A line that is not clearly visible is drawn dotted, as the overlay image draws it: a guess,
// never shown as a finding.
const UNCLEAR_DASH = "2 6";
const SIGN_WORDS = { island: "Island", fork: "Fork" } as const;

/** The photo with each measured line as an SVG layer that can be switched on and off. */
export function OverlayViewer({ overlay, src, caption }: { overlay: Overlay; src: string; caption: string }) {
  const lines = drawableLines(overlay);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [showMounts, setShowMounts] = useState(false);
  const [w, h] = overlay.image_size;
  const stroke = strokeWidthFor(overlay.image_size);

  const toggle = (name: string) =>
    setHidden((previous) => {
      const next = new Set(previous);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  const visible = lines.filter((name) => !hidden.has(name));
  const named = (name: string) =>
    `${lineStyle(name).label.toLowerCase()}${isUnclear(overlay, name) ? " (not clearly visible)" : ""}`;
  const description = visible.length
    ? `${caption}, with ${visible.map(named).join(", ")} drawn.`
    : `${caption}, no lines drawn.`;
  const signs = (overlay.signs ?? []).filter((sign) => visible.includes(sign.line));
  const anyUnclear = lines.some((name) => isUnclear(overlay, name));

  return (
    <figure className="overlay-figure">
      <div className="overlay-stage" style={{ aspectRatio: `${w} / ${h}` }}>
        {/* eslint-disable-next-line @next/next/no-img-element -- served by the API, not optimisable */}
        <img src={src} alt="" />
        <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label={description}>
          {showMounts
            ? overlay.mounts.map((mount) => (
                <g key={mount.name} data-mount={mount.name}>
                  <circle
                    cx={mount.center[0]}
                    cy={mount.center[1]}
                    r={mount.radius}
                    fill="rgb(244 182 63 / 22%)"
                    stroke="#fbf6ec"
                    strokeWidth={stroke / 2}
                    strokeDasharray={`${stroke * 2} ${stroke}`}
                  />
                  <text
                    x={mount.center[0]}
                    y={mount.center[1]}
                    textAnchor="middle"
                    dominantBaseline="middle"
                    fontSize={stroke * 6}
                    fill="#fff"
                    stroke="#1a2150"
                    strokeWidth={stroke / 2.5}
                    paintOrder="stroke"
                  >
                    {(MOUNT_LABELS[mount.name] ?? mount.name).split(" ")[0]}
                  </text>
                </g>
              ))
            : null}
          {lines.map((name) => {
            if (hidden.has(name)) return null;
            const unclear = isUnclear(overlay, name);
            // the same path twice: a pale halo under the line keeps it visible on any skin tone
            const layer = (colour: string, width: number) => (
              <path
                d={pathFor(overlay.lines[name] ?? [])}
                stroke={colour}
                strokeWidth={width}
                strokeDasharray={unclear ? UNCLEAR_DASH : undefined}
                strokeLinecap="round"
                vectorEffect="non-scaling-stroke"
              />
            );
            return (
              <g key={name} data-line={name} data-clear={unclear ? "false" : "true"}>
                {layer("rgb(255 255 255 / 80%)", LINE_PX + 3)}
                {layer(lineStyle(name).colour, LINE_PX)}
              </g>
            );
          })}
          {signs.map((sign, i) => (
            <g key={`${sign.line}-${sign.kind}-${i}`} data-sign={sign.kind} data-sign-line={sign.line}>
              <title>{`${SIGN_WORDS[sign.kind]} on the ${lineStyle(sign.line).label.toLowerCase()}`}</title>
              <circle cx={sign.at[0]} cy={sign.at[1]} r={stroke * 3} fill="none" stroke="#fff" strokeWidth={LINE_PX + 2} vectorEffect="non-scaling-stroke" />
              <circle cx={sign.at[0]} cy={sign.at[1]} r={stroke * 3} fill="none" stroke={lineStyle(sign.line).colour} strokeWidth={LINE_PX - 1} vectorEffect="non-scaling-stroke" />
            </g>
          ))}
        </svg>
      </div>
      <figcaption>{caption}</figcaption>
      <div className="layer-toggles" role="group" aria-label={`Layers on the ${caption.toLowerCase()}`}>
        {lines.map((name) => {
          const style = lineStyle(name);
          return (
            <button
              key={name}
              type="button"
              className="layer-toggle"
              aria-pressed={!hidden.has(name)}
              onClick={() => toggle(name)}
              title={style.sanskrit}
            >
              <span className="swatch" style={{ background: style.colour }} aria-hidden="true" />
              {style.label}
              {isUnclear(overlay, name) ? <span className="layer-note"> · not clearly visible</span> : null}
            </button>
          );
        })}
        {overlay.mounts.length ? (
          <button type="button" className="layer-toggle" aria-pressed={showMounts} onClick={() => setShowMounts((v) => !v)}>
            <span className="swatch" style={{ background: "#f4b63f" }} aria-hidden="true" />
            Mounts
          </button>
        ) : null}
      </div>
      {anyUnclear || signs.length ? (
        <p className="layer-key">
          {anyUnclear ? "Dotted: not clearly visible on this photo, so the reading does not take it as fact. " : null}
          {signs.length ? "Rings: the islands and forks the reading speaks of." : null}
        </p>
      ) : null}
    </figure>
  );
}
