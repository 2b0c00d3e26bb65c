/**
 * The typed API client (openapi-fetch over the generated src/lib/api-schema.d.ts) and one
 * function per call the pages make. Errors always come out as ApiError (see errors.ts).
 */
import createClient, { type Middleware } from "openapi-fetch";

import type { paths } from "./api-schema";
import { API_BASE } from "./config";
import { CSRF_HEADER, csrfToken, forgetCsrfToken, needsCsrf } from "./csrf";
import { ApiError, toApiError } from "./errors";
import type {
  AnalysisFull,
  AnalysisListItem,
  AnalysisSummary,
  Conversation,
  ConversationHit,
  ConversationTemplate,
  Message,
  Page,
  StatusInfo,
  User,
} from "./types";

/** The one place the CSRF header is added to state-changing requests. */
export const csrfMiddleware: Middleware = {
  async onRequest({ request }) {
    if (needsCsrf(request.method)) request.headers.set(CSRF_HEADER, await csrfToken());
    return request;
  },
};

export const client = createClient<paths>({ baseUrl: API_BASE, credentials: "include" });
client.use(csrfMiddleware);

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Unwraps an openapi-fetch result, throwing ApiError for anything but 2xx. */
async function unwrap<T, R = T>(pending: Promise<FetchResult<T>>): Promise<R> {
  let result: FetchResult<T>;
  try {
    result = await pending;
  } catch (cause) {
    if (cause instanceof ApiError) throw cause;
    throw new ApiError(0, "network_error", String(cause));
  }
  const { data, error, response } = result;
  if (!response.ok) throw toApiError(response.status, error, response.headers.get("Retry-After"));
  return data as unknown as R;
}

// ---- accounts ----

export async function getMe(): Promise<User | null> {
  try {
    return await unwrap<unknown, User>(client.GET("/api/v1/auth/me"));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function register(email: string, password: string, name?: string): Promise<User> {
  const user = await unwrap<unknown, User>(
    client.POST("/api/v1/auth/register", { body: { email, password, name: name || null } }),
  );
  forgetCsrfToken();
  return user;
}

export async function login(email: string, password: string): Promise<User> {
  const user = await unwrap<unknown, User>(client.POST("/api/v1/auth/login", { body: { email, password } }));
  forgetCsrfToken();
  return user;
}

export async function logout(): Promise<void> {
  await unwrap(client.POST("/api/v1/auth/logout"));
  forgetCsrfToken();
}

export async function updateProfile(name: string): Promise<User> {
  return unwrap<unknown, User>(client.PATCH("/api/v1/auth/profile", { body: { name } }));
}

export async function exportMyData(): Promise<Blob> {
  return unwrap<unknown, Blob>(client.GET("/api/v1/auth/me/export", { parseAs: "blob" }));
}

export async function deleteAccount(password: string): Promise<void> {
  await unwrap(client.DELETE("/api/v1/auth/me", { body: { password } }));
  forgetCsrfToken();
}

// ---- analyses ----

export async function listAnalyses(page: number): Promise<Page<AnalysisListItem>> {
  return unwrap<unknown, Page<AnalysisListItem>>(client.GET("/api/v1/analyses", { params: { query: { page } } }));
}

export async function getAnalysis(id: string): Promise<AnalysisFull> {
  return unwrap<unknown, AnalysisFull>(client.GET("/api/v1/analyses/{analysis_id}", { params: { path: { analysis_id: id } } }));
}

export async function getSummary(id: string): Promise<AnalysisSummary> {
  return unwrap<unknown, AnalysisSummary>(
    client.GET("/api/v1/analyses/{analysis_id}/summary", { params: { path: { analysis_id: id } } }),
  );
}

export async function getStatus(id: string): Promise<StatusInfo> {
  return unwrap<unknown, StatusInfo>(
    client.GET("/api/v1/analyses/{analysis_id}/status", { params: { path: { analysis_id: id } } }),
  );
}

export async function retryAnalysis(id: string): Promise<void> {
  await unwrap(client.POST("/api/v1/analyses/{analysis_id}/retry", { params: { path: { analysis_id: id } } }));
}

export async function deleteAnalysis(id: string): Promise<void> {
  await unwrap(client.DELETE("/api/v1/analyses/{analysis_id}", { params: { path: { analysis_id: id } } }));
}

export function imageUrl(id: string, hand: string, kind: "original" | "thumbnail" | "overlay"): string {
  return `${API_BASE}/api/v1/analyses/${encodeURIComponent(id)}/images/${hand}?kind=${kind}`;
}

export function eventsUrl(id: string): string {
  return `${API_BASE}/api/v1/analyses/${encodeURIComponent(id)}/events`;
}

// ---- conversations ----

const conv = "/api/v1/analyses/{analysis_id}/conversations" as const;

export async function listTemplates(): Promise<ConversationTemplate[]> {
  return unwrap<unknown, ConversationTemplate[]>(client.GET("/api/v1/conversations/templates"));
}

/** Your conversations across all your readings whose title or messages contain `q`. */
export async function searchConversations(q: string, page: number): Promise<Page<ConversationHit>> {
  return unwrap<unknown, Page<ConversationHit>>(client.GET("/api/v1/conversations", { params: { query: { q, page } } }));
}

export async function listConversations(id: string, page: number): Promise<Page<Conversation>> {
  return unwrap<unknown, Page<Conversation>>(
    client.GET(conv, { params: { path: { analysis_id: id }, query: { page } } }),
  );
}

/** With a template, the API asks its question at once: the first messages come back too. */
export async function createConversation(
  id: string,
  templateId?: string,
  title?: string,
): Promise<Conversation & { messages?: Message[] }> {
  return unwrap<unknown, Conversation & { messages?: Message[] }>(
    client.POST(conv, {
      params: { path: { analysis_id: id } },
      body: { template_id: templateId ?? null, title: title ?? null },
    }),
  );
}

export async function getConversation(id: string, cid: string): Promise<Conversation> {
  return unwrap<unknown, Conversation>(
    client.GET(`${conv}/{conversation_id}`, { params: { path: { analysis_id: id, conversation_id: cid } } }),
  );
}

export async function renameConversation(id: string, cid: string, title: string): Promise<Conversation> {
  return unwrap<unknown, Conversation>(
    client.PATCH(`${conv}/{conversation_id}`, {
      params: { path: { analysis_id: id, conversation_id: cid } },
      body: { title },
    }),
  );
}

export async function deleteConversation(id: string, cid: string): Promise<void> {
  await unwrap(client.DELETE(`${conv}/{conversation_id}`, { params: { path: { analysis_id: id, conversation_id: cid } } }));
}

export async function listMessages(id: string, cid: string, page = 1): Promise<Page<Message>> {
  return unwrap<unknown, Page<Message>>(
    client.GET(`${conv}/{conversation_id}/messages`, {
      params: { path: { analysis_id: id, conversation_id: cid }, query: { page } },
    }),
  );
}

/** Asks a question; the answer comes back completed (local responder) or pending (OpenAI). */
export async function talk(id: string, cid: string, message: string): Promise<Message[]> {
  const data = await unwrap<unknown, { user_message: Message; assistant_message: Message }>(
    client.POST(`${conv}/{conversation_id}/talk`, {
      params: { path: { analysis_id: id, conversation_id: cid } },
      body: { message },
    }),
  );
  return [data.user_message, data.assistant_message];
}

export async function exportConversation(id: string, cid: string, format: "md" | "json"): Promise<Blob> {
  return unwrap<unknown, Blob>(
    client.GET(`${conv}/{conversation_id}/export`, {
      params: { path: { analysis_id: id, conversation_id: cid }, query: { format } },
      parseAs: "blob",
    }),
  );
}

/** Saves a Blob as a download, the way a browser saves a file. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
