/**
 * Client-side checks that mirror the API's (so a person hears about a wrong file at once), and
 * the upload itself over XMLHttpRequest, whose upload progress events fetch() does not offer.
 * The API still checks everything again: these checks are a courtesy, not a guard.
 */
import { apiUrl } from "./config";
import { CSRF_HEADER, csrfToken } from "./csrf";
import { ApiError, toApiError } from "./errors";
import type { Focus, Hand, UploadAccepted } from "./types";

export const MAX_UPLOAD_BYTES = 15 * 1024 * 1024;
export const ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"];
export const ACCEPT_ATTRIBUTE = [...ACCEPTED_TYPES, ".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp"].join(",");

export type ImageKind = "jpeg" | "png" | "webp" | "heic";

/** Recognises an image by its first bytes, as the API does (names and MIME types can lie). */
export function sniffImageType(head: Uint8Array): ImageKind | null {
  const at = (i: number) => head[i] ?? -1;
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return "jpeg";
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => at(i) === b)) return "png";
  const ascii = (from: number, to: number) => String.fromCharCode(...head.slice(from, to));
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "webp";
  if (ascii(4, 8) === "ftyp") {
    const brand = ascii(8, 12);
    if (["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "heif"].includes(brand)) return "heic";
  }
  return null;
}

export type UploadProblem = "empty_file" | "file_too_large" | "unsupported_media";

export interface FileFacts {
  size: number;
  head: Uint8Array;
}

/** The first problem with a file, or null when it may be sent. */
export function checkFile(facts: FileFacts, maxBytes = MAX_UPLOAD_BYTES): UploadProblem | null {
  if (facts.size === 0) return "empty_file";
  if (facts.size > maxBytes) return "file_too_large";
  if (!sniffImageType(facts.head)) return "unsupported_media";
  return null;
}

export async function checkBrowserFile(file: File): Promise<UploadProblem | null> {
  const head = new Uint8Array(await file.slice(0, 32).arrayBuffer());
  return checkFile({ size: file.size, head });
}

/** Same bytes in both slots is refused by the API; catch the common case (same file twice). */
export function looksLikeSameFile(a: File | null, b: File | null): boolean {
  if (!a || !b) return false;
  return a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;
}

/** Whether the browser can show a preview of this kind (most desktop browsers cannot show HEIC). */
export function canPreview(kind: ImageKind | null): boolean {
  return kind !== null && kind !== "heic";
}

export interface UploadRequest {
  left: File | null;
  right: File | null;
  focus: Focus;
  dominantHand: Hand | null;
}

export function buildForm(request: UploadRequest): FormData {
  const form = new FormData();
  if (request.left) form.append("left_image", request.left);
  if (request.right) form.append("right_image", request.right);
  form.append("focus", request.focus);
  if (request.dominantHand) form.append("dominant_hand", request.dominantHand);
  return form;
}

/** Uploads the photos; `onProgress` gets 0..1 as bytes leave the browser. */
export async function uploadAnalysis(
  request: UploadRequest,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<UploadAccepted> {
  const token = await csrfToken();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", apiUrl("/api/v1/analyses"));
    xhr.withCredentials = true;
    xhr.responseType = "text";
    xhr.setRequestHeader(CSRF_HEADER, token);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as UploadAccepted);
      } else {
        reject(toApiError(xhr.status, body, xhr.getResponseHeader("Retry-After")));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "network error"));
    xhr.onabort = () => reject(new ApiError(0, "upload_aborted", "aborted"));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(buildForm(request));
  });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
