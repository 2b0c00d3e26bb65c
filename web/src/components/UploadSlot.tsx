"use client";

import { useEffect, useId, useRef, useState, type DragEvent } from "react";

import { messageForCode } from "@/lib/errors";
import { ACCEPT_ATTRIBUTE, canPreview, checkBrowserFile, formatBytes, sniffImageType } from "@/lib/upload";
import type { Hand } from "@/lib/types";

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
      <p className="hint" style={{ margin: "0 0 0.75rem", color: "var(--muted)", fontSize: "0.9rem" }}>
        Read as {meaning}
      </p>
      {value?.previewUrl ? (
        // eslint-disable-next-line @next/next/no-img-element -- a local object URL
        <img className="slot-preview" src={value.previewUrl} alt={`Preview of your ${title.toLowerCase()} photo`} />
      ) : value ? (
        <div className="slot-placeholder">Photo ready (this browser cannot preview HEIC, Rekha can read it)</div>
      ) : (
        <div className="slot-placeholder">
          <span>
            Drop a photo here
            <br />
            or choose one below
          </span>
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
