import { describe, expect, it } from "vitest";

import { MAX_UPLOAD_BYTES, buildForm, checkFile, looksLikeSameFile, sniffImageType } from "./upload";

const bytes = (...values: (number | string)[]) =>
  new Uint8Array(values.flatMap((v) => (typeof v === "string" ? [...v].map((c) => c.charCodeAt(0)) : [v])));

const JPEG = bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, "JFIF");
const PNG = bytes(0x89, "PNG", 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13);
const WEBP = bytes("RIFF", 0x24, 0, 0, 0, "WEBPVP8 ");
const HEIC = bytes(0, 0, 0, 0x18, "ftypheic", 0, 0, 0, 0);
const GIF = bytes("GIF89a", 1, 0, 1, 0);
const PDF = bytes("%PDF-1.7");

describe("sniffImageType", () => {
  it("recognises the four kinds the API accepts by their magic bytes", () => {
    expect(sniffImageType(JPEG)).toBe("jpeg");
    expect(sniffImageType(PNG)).toBe("png");
    expect(sniffImageType(WEBP)).toBe("webp");
    expect(sniffImageType(HEIC)).toBe("heic");
    expect(sniffImageType(bytes(0, 0, 0, 0x18, "ftypmif1"))).toBe("heic");
  });

  it("refuses other files, whatever their name", () => {
    expect(sniffImageType(GIF)).toBeNull();
    expect(sniffImageType(PDF)).toBeNull();
    expect(sniffImageType(bytes(0, 0, 0, 0x18, "ftypmp42"))).toBeNull(); // an MP4 video
    expect(sniffImageType(new Uint8Array())).toBeNull();
  });
});

describe("checkFile", () => {
  it("accepts a photo up to the API's 15 MB limit", () => {
    expect(checkFile({ size: MAX_UPLOAD_BYTES, head: JPEG })).toBeNull();
  });

  it("refuses one byte more, an empty file and a non-image", () => {
    expect(checkFile({ size: MAX_UPLOAD_BYTES + 1, head: JPEG })).toBe("file_too_large");
    expect(checkFile({ size: 0, head: new Uint8Array() })).toBe("empty_file");
    expect(checkFile({ size: 1000, head: PDF })).toBe("unsupported_media");
  });
});

describe("the form sent to the API", () => {
  it("uses the API's field names and leaves out what was not chosen", () => {
    const left = new File([JPEG], "l.jpg", { type: "image/jpeg" });
    const form = buildForm({ left, right: null, focus: "love", dominantHand: null });
    expect([...form.keys()]).toEqual(["left_image", "focus"]);
    expect(form.get("focus")).toBe("love");
    const both = buildForm({ left, right: new File([PNG], "r.png"), focus: "general", dominantHand: "right" });
    expect([...both.keys()]).toEqual(["left_image", "right_image", "focus", "dominant_hand"]);
  });

  it("notices the same file chosen for both hands", () => {
    const a = new File([JPEG], "palm.jpg", { lastModified: 1 });
    expect(looksLikeSameFile(a, new File([JPEG], "palm.jpg", { lastModified: 1 }))).toBe(true);
    expect(looksLikeSameFile(a, new File([JPEG], "other.jpg", { lastModified: 1 }))).toBe(false);
    expect(looksLikeSameFile(a, null)).toBe(false);
  });
});
