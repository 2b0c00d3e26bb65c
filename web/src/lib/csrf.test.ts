import { describe, expect, it } from "vitest";

import { csrfMiddleware } from "./api";
import { CSRF_HEADER, needsCsrf, readCookie } from "./csrf";

describe("csrf", () => {
  it("reads the token from the cookie header", () => {
    expect(readCookie("a=1; rekha_csrf=abc%3D; b=2", "rekha_csrf")).toBe("abc=");
    expect(readCookie("a=1", "rekha_csrf")).toBeNull();
  });

  it("is needed on every state-changing method only", () => {
    expect(["POST", "PUT", "PATCH", "DELETE", "post"].every(needsCsrf)).toBe(true);
    expect(["GET", "HEAD", "OPTIONS"].some(needsCsrf)).toBe(false);
  });

  it("is added by the client's middleware to a POST, not to a GET", async () => {
    (globalThis as { document?: unknown }).document = { cookie: "rekha_csrf=tok123" };
    try {
      const onRequest = csrfMiddleware.onRequest!;
      const post = (await onRequest({ request: new Request("http://x/api/v1/auth/logout", { method: "POST" }) } as never)) as Request;
      expect(post.headers.get(CSRF_HEADER)).toBe("tok123");
      const get = (await onRequest({ request: new Request("http://x/api/v1/auth/me") } as never)) as Request;
      expect(get.headers.get(CSRF_HEADER)).toBeNull();
    } finally {
      delete (globalThis as { document?: unknown }).document;
    }
  });
});
