"use client";

import { useEffect, useId, useRef, useState, type DragEvent } from "react";

import { messageForCode } from "@/lib/errors";
import { ACCEPT_ATTRIBUTE, canPreview, checkBrowserFile, formatBytes, sniffImageType } from "@/lib/upload";
import type { Hand } from "@/lib/types";

/** A faint drawing of an open palm as a camera sees it (the right one mirrored), as the empty slot picture. */
function HandOutline({ hand }: { hand: Hand }) {
  return (
    <svg viewBox="0 0 100 130" style={{ width: "85%", height: "auto", transform: hand === "right" ? "scaleX(-1)" : undefined, opacity: 0.6 }}>
      <path
        d="M30 124 C 24 104, 18 92, 10 76 C 6 68, 12 62, 19 68 L 28 80 L 26 30 C 26 22, 36 22, 36 30 L 38 62 L 40 18 C 40 10, 50 10, 50 18 L 51 60 L 56 22 C 57 14, 67 15, 66 23 L 62 62 L 70 34 C 72 27, 81 29, 79 37 L 72 74 C 70 92, 66 106, 64 124 Z"
        fill="#fffdf8"
        stroke="#c9a86a"
        strokeWidth="2.2"
        strokeLinejoin="round"
      />
      <path d="M32 84 C 42 78, 56 78, 68 70" stroke="#e8871e" strokeWidth="2" fill="none" strokeLinecap="round" />
      <path d="M30 94 C 42 90, 54 90, 64 86" stroke="#26306a" strokeWidth="2" fill="none" strokeLinecap="round" opacity="0.7" />
      <path d="M36 80 C 30 92, 32 108, 40 120" stroke="#d6336c" strokeWidth="2" fill="none" strokeLinecap="round" opacity="0.8" />
    </svg>
  );
}

export interface SlotValue {
  file: File;
  previewUrl: string | null;
}

/** One palm: drop a photo, choose a file, or take one with the phone's camera. */
export function UploadSlot({
  hand,
  value,
  onChange,
  disabled,
}: {
  hand: Hand;
  value: SlotValue | null;
  onChange: (value: SlotValue | null) => void;
  disabled?: boolean;
}) {
  const fileInput = useRef<HTMLInputElement>(null);
  const cameraInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const headingId = useId();
  const problemId = useId();
  const title = hand === "left" ? "Left palm" : "Right palm";
  const meaning = hand === "left" ? "what you were born with" : "what you make of it";

  useEffect(() => () => {
    if (value?.previewUrl) URL.revokeObjectURL(value.previewUrl);
  }, [value]);

  async function accept(file: File | undefined) {
    if (!file) return;
    const issue = await checkBrowserFile(file);
    if (issue) {
      setProblem(messageForCode(issue));
      return;
    }
    setProblem(null);
    const head = new Uint8Array(await file.slice(0, 32).arrayBuffer());
    const previewUrl = canPreview(sniffImageType(head)) ? URL.createObjectURL(file) : null;
    onChange({ file, previewUrl });
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    if (!disabled) void accept(event.dataTransfer.files[0]);
  }

  return (
    <div
      className={`slot${dragging ? " dragging" : ""}${value ? " filled" : ""}${problem ? " invalid" : ""}`}
      role="group"
      aria-labelledby={headingId}
      aria-describedby={problem ? problemId : undefined}
      onDragOver={(event) => {
        event.preventDefault();
        if (!disabled) setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      data-testid={`slot-${hand}`}
    >
      <h3 id={headingId}>{title}</h3>
      <p className="slot-hint">Read as {meaning}</p>
      {value?.previewUrl ? (
        // eslint-disable-next-line @next/next/no-img-element -- a local object URL
        <img className="slot-preview" src={value.previewUrl} alt={`Preview of your ${title.toLowerCase()} photo`} />
      ) : value ? (
        <div className="slot-placeholder">Photo ready. This browser cannot show HEIC photos, but Rekha can read them.</div>
      ) : (
        <div className="slot-placeholder" aria-hidden="true">
          <HandOutline hand={hand} />
        </div>
      )}
      {value ? (
        <p className="file-meta">
          {value.file.name} · {formatBytes(value.file.size)}
        </p>
      ) : null}
      {problem ? (
        <p id={problemId} role="alert" className="notice error" style={{ margin: "0.6rem 0 0" }}>
          {problem}
        </p>
      ) : null}
      <div className="slot-actions">
        <button type="button" className="btn small" onClick={() => fileInput.current?.click()} disabled={disabled}>
          {value ? "Choose another" : "Choose photo"}
        </button>
        <button type="button" className="btn small ghost camera-only" onClick={() => cameraInput.current?.click()} disabled={disabled}>
          Take photo
        </button>
        {value ? (
          <button
            type="button"
            className="btn small danger"
            onClick={() => {
              onChange(null);
              setProblem(null);
            }}
            disabled={disabled}
          >
            Remove
          </button>
        ) : null}
      </div>
      <input
        ref={fileInput}
        type="file"
        accept={ACCEPT_ATTRIBUTE}
        className="visually-hidden"
        tabIndex={-1}
        aria-label={`${title} photo`}
        data-testid={`file-${hand}`}
        onChange={(event) => {
          void accept(event.target.files?.[0]);
          event.target.value = "";
        }}
      />
      <input
        ref={cameraInput}
        type="file"
        accept="image/*"
        capture="environment"
        className="visually-hidden"
        tabIndex={-1}
        aria-label={`Take a ${title.toLowerCase()} photo with the camera`}
        onChange={(event) => {
          void accept(event.target.files?.[0]);
          event.target.value = "";
        }}
      />
    </div>
  );
}
