"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useState } from "react";

import { useAuth } from "./AuthProvider";
import { ConversationPanel } from "./ConversationPanel";
import { HandImage } from "./HandImage";
import { ErrorNotice, Gate, Loading, PageHeading, Pagination, StatusBadge } from "./ui";
import { useAsync } from "@/hooks/useAsync";
import { useQueryParam } from "@/hooks/useQueryParam";
import { createConversation, deleteAnalysis, getAnalysis, listConversations, listTemplates } from "@/lib/api";
import { ApiError } from "@/lib/errors";
import { parsePage } from "@/lib/pagination";
import { formatDate, handLabel, handsOf, readingOf } from "@/lib/report";
import type { ConversationTemplate } from "@/lib/types";

export function AnalysisDetailView() {
  const id = useQueryParam("id");
  const selected = useQueryParam("c");
  const page = parsePage(useQueryParam("page"));
  const router = useRouter();
  const { user } = useAuth();
  const analysis = useAsync(id && user ? () => getAnalysis(id) : null, `${id}:${user?.id ?? ""}`);
  const conversations = useAsync(id && user ? () => listConversations(id, page) : null, `${id}:${page}:${user?.id ?? ""}`);
  const templates = useAsync(id && user ? () => listTemplates() : null, `${id}:${user?.id ?? ""}`);
  const [firstQuestion, setFirstQuestion] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);

  const base = `/analysis?id=${encodeURIComponent(id ?? "")}`;
  const reloadConversations = conversations.reload;
  const onChanged = useCallback(() => reloadConversations(), [reloadConversations]);

  if (!id) return <ErrorNotice error={new Error("missing id")} title="This link is incomplete" />;
  if (user === undefined || analysis.loading) return <Loading />;
  if (user === null || (analysis.error instanceof ApiError && analysis.error.status === 401)) {
    return (
      <div style={{ maxWidth: "44rem", margin: "0 auto" }}>
        <PageHeading>Sign in to see this reading</PageHeading>
        <Gate next={base} />
      </div>
    );
  }
  if (analysis.error || !analysis.data) return <ErrorNotice error={analysis.error} title="We could not open this reading" />;

  const data = analysis.data;
  const reading = readingOf(data);
  const hands = handsOf(data, reading);

  async function start(template?: ConversationTemplate) {
    if (!id) return;
    setStarting(true);
    setActionError(null);
    try {
      const conversation = await createConversation(id, template?.id, template ? undefined : "New conversation");
      // The API asks a template's question itself; ask it here only if it did not.
      setFirstQuestion(template && !conversation.messages?.length ? template.question : null);
      conversations.reload();
      router.push(`${base}&c=${encodeURIComponent(conversation.id)}`);
    } catch (failure) {
      setActionError(failure);
    } finally {
      setStarting(false);
    }
  }

  async function removeAnalysis() {
    if (!id || !window.confirm("Delete this reading, its photos and its conversations? This cannot be undone.")) return;
    try {
      await deleteAnalysis(id);
      router.push("/analyses");
    } catch (failure) {
      setActionError(failure);
    }
  }

  return (
    <div>
      <div className="conv-head">
        <div>
          <PageHeading eyebrow={`Reading · ${formatDate(data.created_at)}`}>
            {hands.length === 2 ? "Both hands" : hands.map(handLabel).join(", ") || "Your reading"} <StatusBadge status={data.status} />
          </PageHeading>
        </div>
        <div className="btn-row" style={{ marginTop: 0 }}>
          {data.status === "completed" ? (
            <Link className="btn small saffron" href={`/report?id=${encodeURIComponent(id)}`}>
              Full report
            </Link>
          ) : null}
          <button type="button" className="btn small danger" onClick={removeAnalysis}>
            Delete reading
          </button>
        </div>
      </div>
      <ErrorNotice error={actionError} />

      <div className="detail-grid">
        <aside>
          <div className="thumb-row compact" style={{ marginBottom: "1rem" }}>
            {hands.map((hand) => (
              <figure key={hand}>
                <HandImage id={id} hand={hand} kinds={["overlay", "thumbnail"]} alt={`${handLabel(hand)}, lines traced`} />
                <figcaption>{handLabel(hand)}</figcaption>
              </figure>
            ))}
          </div>
          <div className="conv-head" style={{ marginBottom: "0.5rem" }}>
            <h2 style={{ fontSize: "1.15rem", margin: 0 }}>Conversations</h2>
            {selected ? (
              <Link className="btn small ghost" href={base}>
                New
              </Link>
            ) : null}
          </div>
          <ErrorNotice error={conversations.error} />
          {conversations.data && conversations.data.items.length ? (
            <ul className="conv-list" data-testid="conversation-list">
              {conversations.data.items.map((conversation) => (
                <li key={conversation.id}>
                  <Link
                    href={`${base}&c=${encodeURIComponent(conversation.id)}${page > 1 ? `&page=${page}` : ""}`}
                    aria-current={conversation.id === selected ? "true" : undefined}
                  >
                    {conversation.title}
                    <br />
                    <small style={{ color: "var(--muted)" }}>{formatDate(conversation.updated_at ?? conversation.created_at)}</small>
                  </Link>
                </li>
              ))}
            </ul>
          ) : conversations.data ? (
            <p style={{ color: "var(--muted)", fontSize: "0.95rem" }}>None yet: start one with a question.</p>
          ) : null}
          {conversations.data ? (
            <Pagination
            of={conversations.data}
            hrefFor={(p) => `${base}&page=${p}`}
              label="Pages of conversations"
            />
          ) : null}
        </aside>

        <div>
          {selected ? (
            <ConversationPanel
              key={selected}
              analysisId={id}
              conversationId={selected}
              firstQuestion={firstQuestion}
              onChanged={onChanged}
              onDeleted={() => {
                setFirstQuestion(null);
                conversations.reload();
                router.push(base);
              }}
            />
          ) : (
            <section className="card" aria-labelledby="start-title">
              <h2 id="start-title" style={{ marginTop: 0 }}>
                Ask about your reading
              </h2>
              <p style={{ color: "var(--muted)" }}>Answers come from the lines measured on your own photos.</p>
              {templates.loading ? <Loading /> : null}
              <div className="templates" data-testid="templates">
                {(templates.data ?? []).map((template) => (
                  <button key={template.id} type="button" className="template-btn" onClick={() => start(template)} disabled={starting}>
                    <strong>{template.title}</strong>
                    <span>{template.question}</span>
                  </button>
                ))}
              </div>
              <div className="btn-row">
                <button type="button" className="btn ghost" onClick={() => start()} disabled={starting}>
                  Start with my own question
                </button>
              </div>
            </section>
          )}
        </div>
      </div>
    </div>
  );
}
