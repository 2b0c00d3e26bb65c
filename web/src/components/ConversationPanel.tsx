"use client";

import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";

import { ErrorNotice, Loading } from "./ui";
import {
  deleteConversation,
  exportConversation,
  getConversation,
  listMessages,
  renameConversation,
  saveBlob,
  talk,
} from "@/lib/api";
import { MOUNT_LABELS, lineStyle } from "@/lib/overlay";
import type { Conversation, Message } from "@/lib/types";

const MAX_MESSAGE_PAGES = 20;

/** "lines.heart" → "Heart line", "mounts.shukra" → "Shukra (Venus)". */
function citedLabels(cited: string[]): string[] {
  const labels = cited.map((path) => {
    const [kind, name = ""] = path.split(".");
    if (kind === "lines") return lineStyle(name).label;
    if (kind === "mounts") return MOUNT_LABELS[name] ?? name;
    if (kind === "geometry") return "hand shape";
    return path.replace(/[._]/g, " ");
  });
  return [...new Set(labels)];
}
const ANSWER_POLL_MS = 1000;
const ANSWER_WAIT_MS = 90_000;

async function allMessages(id: string, cid: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let page = 1; page <= MAX_MESSAGE_PAGES; page++) {
    const batch = await listMessages(id, cid, page);
    out.push(...batch.items);
    if (page * batch.page_size >= batch.total || batch.items.length === 0) break;
  }
  return out;
}

const awaitingAnswer = (messages: Message[]) => {
  const last = messages[messages.length - 1];
  return Boolean(last && (last.role === "user" || last.status === "pending"));
};

/** One conversation: its messages, a box to ask, rename, export and delete. */
export function ConversationPanel({
  analysisId,
  conversationId,
  firstQuestion,
  onChanged,
  onDeleted,
}: {
  analysisId: string;
  conversationId: string;
  /** Asked at once when the conversation is new and empty (started from a template). */
  firstQuestion?: string | null;
  onChanged: () => void;
  onDeleted: () => void;
}) {
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [draft, setDraft] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState("");
  const asked = useRef(false);
  const endRef = useRef<HTMLLIElement>(null);

  const waitForAnswer = useCallback(
    async (current: Message[]) => {
      // The answer may be written by a worker: poll until it appears.
      let latest = current;
      const until = Date.now() + ANSWER_WAIT_MS;
      while (awaitingAnswer(latest) && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, ANSWER_POLL_MS));
        latest = await allMessages(analysisId, conversationId);
        setMessages(latest);
      }
    },
    [analysisId, conversationId],
  );

  const send = useCallback(
    async (text: string) => {
      const question = text.trim();
      if (!question) return;
      setSending(true);
      setError(null);
      const optimistic: Message = { id: `local-${Date.now()}`, role: "user", content: question, created_at: new Date().toISOString() };
      setMessages((previous) => [...(previous ?? []), optimistic]);
      try {
        await talk(analysisId, conversationId, question);
        setDraft("");
        const fresh = await allMessages(analysisId, conversationId);
        setMessages(fresh);
        await waitForAnswer(fresh);
        onChanged();
      } catch (failure) {
        setError(failure);
        setMessages((previous) => (previous ?? []).filter((m) => m.id !== optimistic.id));
        setDraft(question);
      } finally {
        setSending(false);
      }
    },
    [analysisId, conversationId, onChanged, waitForAnswer],
  );

  useEffect(() => {
    let live = true;
    asked.current = false;
    setMessages(null);
    setError(null);
    Promise.all([getConversation(analysisId, conversationId), allMessages(analysisId, conversationId)]).then(
      ([conv, msgs]) => {
        if (!live) return;
        setConversation(conv);
        setTitle(conv.title);
        setMessages(msgs);
        if (awaitingAnswer(msgs)) void waitForAnswer(msgs);
      },
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [analysisId, conversationId, waitForAnswer]);

  useEffect(() => {
    if (messages && messages.length === 0 && firstQuestion && !asked.current) {
      asked.current = true;
      void send(firstQuestion);
    }
  }, [messages, firstQuestion, send]);

  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: "nearest" });
  }, [messages?.length]);

  async function rename(event: FormEvent) {
    event.preventDefault();
    try {
      const updated = await renameConversation(analysisId, conversationId, title.trim() || "Conversation");
      setConversation(updated);
      setRenaming(false);
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  }

  async function remove() {
    if (!window.confirm("Delete this conversation and all its messages?")) return;
    try {
      await deleteConversation(analysisId, conversationId);
      onDeleted();
    } catch (failure) {
      setError(failure);
    }
  }

  async function download(format: "md" | "json") {
    try {
      const blob = await exportConversation(analysisId, conversationId, format);
      saveBlob(blob, `rekha-conversation-${conversationId}.${format}`);
    } catch (failure) {
      setError(failure);
    }
  }

  if (!conversation && !error) return <Loading label="Opening the conversation…" />;

  return (
    <section className="card" aria-labelledby="conv-title" data-testid="conversation">
      <div className="conv-head">
        {renaming ? (
          <form onSubmit={rename} style={{ display: "flex", gap: "0.5rem", flex: 1 }}>
            <label htmlFor="conv-rename" className="visually-hidden">
              New name
            </label>
            <input id="conv-rename" type="text" value={title} onChange={(e) => setTitle(e.target.value)} autoFocus maxLength={200} />
            <button type="submit" className="btn small">
              Save
            </button>
            <button type="button" className="btn small ghost" onClick={() => setRenaming(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <h2 id="conv-title">{conversation?.title ?? "Conversation"}</h2>
        )}
        {!renaming ? (
          <div className="btn-row" style={{ marginTop: 0 }}>
            <button type="button" className="btn small ghost" onClick={() => setRenaming(true)}>
              Rename
            </button>
            <button type="button" className="btn small ghost" onClick={() => download("md")}>
              Export .md
            </button>
            <button type="button" className="btn small ghost" onClick={() => download("json")}>
              Export .json
            </button>
            <button type="button" className="btn small danger" onClick={remove}>
              Delete
            </button>
          </div>
        ) : null}
      </div>

      <ol className="messages" aria-label="Messages" aria-live="polite">
        {messages?.length === 0 && !sending ? (
          <li style={{ color: "var(--muted)" }}>Ask anything about your reading: love, work, a line you are curious about.</li>
        ) : null}
        {messages?.map((message) => (
          <li key={message.id} className={`message ${message.role === "user" ? "user" : "assistant"}`} data-role={message.role}>
            <span className="who">{message.role === "user" ? "You" : "Rekha"}</span>
            {message.content}
            {message.role === "assistant" && message.cited?.length ? (
              <span className="cited">Drawn from: {citedLabels(message.cited).join(", ")}</span>
            ) : null}
          </li>
        ))}
        {sending || (messages && awaitingAnswer(messages)) ? (
          <li className="message assistant" role="status">
            <span className="who">Rekha</span>
            Looking at your lines…
          </li>
        ) : null}
        <li ref={endRef} aria-hidden="true" style={{ listStyle: "none" }} />
      </ol>

      <ErrorNotice error={error} />

      <form
        className="composer"
        onSubmit={(event) => {
          event.preventDefault();
          void send(draft);
        }}
      >
        <div style={{ flex: 1 }}>
          <label htmlFor="composer" className="visually-hidden">
            Your question
          </label>
          <textarea
            id="composer"
            rows={2}
            placeholder="What does my heart line say about love?"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                void send(draft);
              }
            }}
            maxLength={2000}
          />
        </div>
        <button type="submit" className="btn saffron" disabled={sending || !draft.trim()}>
          Ask
        </button>
      </form>
    </section>
  );
}
