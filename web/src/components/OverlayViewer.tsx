"use client";

import { useState } from "react";

import { MOUNT_LABELS, drawableLines, lineStyle, pathFor, strokeWidthFor } from "@/lib/overlay";
import type { Overlay } from "@/lib/types";

// Screen pixels, whatever the photo's size (non-scaling strokes).
const LINE_PX = 3.5;

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
  const description = visible.length
    ? `${caption}, with ${visible.map((name) => lineStyle(name).label.toLowerCase()).join(", ")} drawn.`
    : `${caption}, no lines drawn.`;

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
          {lines.map((name) =>
            hidden.has(name) ? null : (
              <g key={name} data-line={name}>
                {/* a pale halo under each line keeps it visible on any skin tone */}
                <path d={pathFor(overlay.lines[name] ?? [])} stroke="rgb(255 255 255 / 80%)" strokeWidth={LINE_PX + 3} vectorEffect="non-scaling-stroke" />
                <path d={pathFor(overlay.lines[name] ?? [])} stroke={lineStyle(name).colour} strokeWidth={LINE_PX} vectorEffect="non-scaling-stroke" />
              </g>
            ),
          )}
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
    </figure>
  );
}
