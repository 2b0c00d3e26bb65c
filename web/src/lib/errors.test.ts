import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { ApiError, ERROR_MESSAGES, errorMessage, messageForCode, toApiError } from "./errors";

const API_SRC = join(__dirname, "..", "..", "..", "src", "rekha");

function pythonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return pythonFiles(path);
    return path.endsWith(".py") ? [path] : [];
  });
}

/** Error codes the API can send, read from its source: code="x", code = "x", RefusalCode members. */
function apiErrorCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of pythonFiles(API_SRC)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/\bcode\s*=\s*"([a-z][a-z_]+)"/g)) codes.add(match[1]!);
    for (const match of text.matchAll(/\bcode\s*:\s*str\s*=\s*"([a-z][a-z_]+)"/g)) codes.add(match[1]!);
    // _refuse("code", hand, ...) in the upload's image checks, fail("code", ...) in the jobs
    for (const match of text.matchAll(/(?:_refuse|\.fail)\(\s*"([a-z][a-z_]+)"/g)) codes.add(match[1]!);
    for (const match of text.matchAll(/fail_row\([^")]*"([a-z][a-z_]+)"/g)) codes.add(match[1]!);
  }
  const types = readFileSync(join(API_SRC, "reading", "types.py"), "utf8");
  const refusal = types.slice(types.indexOf("class RefusalCode"), types.indexOf("class MeasurementRefused"));
  for (const match of refusal.matchAll(/^\s+([a-z_]+) = "\1"/gm)) codes.add(match[1]!);
  return codes;
}

describe("error messages", () => {
  it("has a human message for every error code the API's source raises", () => {
    const codes = apiErrorCodes();
    expect(codes.size).toBeGreaterThan(20);
    // Spot checks that each way of raising a code is read (so the scan cannot silently miss).
    for (const code of ["email_taken", "image_corrupt", "images_missing", "too_many_attempts", "no_hand", "login_required"]) {
      expect(codes).toContain(code);
    }
    const missing = [...codes].filter((code) => !(code in ERROR_MESSAGES)).sort();
    expect(missing).toEqual([]);
  });

  it("covers every refusal of the reading engine", () => {
    for (const code of ["no_hand", "back_of_hand", "multiple_hands", "hand_cut_off", "too_blurry", "too_dark", "wrong_hand", "unreadable_image"]) {
      expect(ERROR_MESSAGES[code]).toBeTruthy();
    }
  });

  it("prefers our words, then the API's, then words for the status", () => {
    expect(messageForCode("csrf_failed", "CSRF token missing")).toMatch(/reload the page/);
    expect(messageForCode("brand_new_code", "The API explains itself.")).toBe("The API explains itself.");
    expect(messageForCode("brand_new_code", "", 404)).toBe(ERROR_MESSAGES.not_found);
    expect(messageForCode("brand_new_code", "", 502)).toBe(ERROR_MESSAGES.server_error);
  });

  it("parses the API's error shape and Retry-After", () => {
    const error = toApiError(429, { error: { code: "rate_limited", message: "slow down", details: { retry_after: 90 } } }, null);
    expect(error.code).toBe("rate_limited");
    expect(error.retryAfter).toBe(90);
    expect(errorMessage(error)).toMatch(/try again in 2 minutes/);
    expect(toApiError(429, null, "5").retryAfter).toBe(5);
  });

  it("names a code for a body that is not ours (a proxy's HTML page)", () => {
    const error = toApiError(502, "<html>bad gateway</html>");
    expect(error.code).toBe("service_unavailable");
    expect(errorMessage(error)).toBe(ERROR_MESSAGES.service_unavailable);
  });

  it("says which photo an upload refusal is about", () => {
    const error = toApiError(400, { error: { code: "image_corrupt", message: "x", details: { hand: "right" } } });
    expect(errorMessage(error)).toBe(`Right palm photo: ${ERROR_MESSAGES.image_corrupt}`);
  });

  it("names the field of a validation error", () => {
    const details = [{ field: "name", message: "String should have at most 200 characters" }];
    expect(errorMessage(new ApiError(422, "validation_error", "name: ...", details))).toBe(
      "Please check the name: string should have at most 200 characters.",
    );
    const email = [{ field: "email", message: "value is not a valid email address" }];
    expect(errorMessage(new ApiError(422, "validation_error", "", email))).toBe(ERROR_MESSAGES.invalid_email);
  });

  it("turns a failed fetch into a connection message", () => {
    expect(errorMessage(new TypeError("Failed to fetch"))).toBe(ERROR_MESSAGES.network_error);
    expect(errorMessage(new Error("boom"))).toBe(ERROR_MESSAGES.unexpected_error);
  });
});
