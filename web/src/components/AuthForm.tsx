"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { useAuth } from "./AuthProvider";
import { ErrorNotice, PageHeading } from "./ui";
import { useQueryParam } from "@/hooks/useQueryParam";
import { login, register } from "@/lib/api";
import { safeNext } from "@/lib/nav";

export function AuthForm({ mode }: { mode: "signin" | "register" }) {
  const router = useRouter();
  const { setUser } = useAuth();
  const next = safeNext(useQueryParam("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [shortPassword, setShortPassword] = useState(false);
  const registering = mode === "register";

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (registering && password.length < 8) {
      setShortPassword(true);
      return;
    }
    setShortPassword(false);
    setBusy(true);
    setError(null);
    try {
      const user = registering ? await register(email.trim(), password, name.trim()) : await login(email.trim(), password);
      setUser(user);
      router.push(next);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  const otherHref = `${registering ? "/signin" : "/register"}${next !== "/analyses" ? `?next=${encodeURIComponent(next)}` : ""}`;

  return (
    <div className="card form-narrow">
      <PageHeading eyebrow={registering ? "Free, and yours to delete" : "Welcome back"}>
        {registering ? "Create your account" : "Sign in"}
      </PageHeading>
      <p style={{ color: "var(--muted)" }}>
        {registering
          ? "Keep your readings, open full reports and ask questions about them. A reading you just made comes with you."
          : "Your readings are waiting. A reading you just made on this device comes with you."}
      </p>
      <form onSubmit={submit} noValidate>
        {registering ? (
          <div className="field">
            <label htmlFor="name">Your name (optional)</label>
            <input id="name" type="text" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            type="email"
            autoComplete="email"
            inputMode="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete={registering ? "new-password" : "current-password"}
            required
            minLength={registering ? 8 : undefined}
            aria-describedby={registering ? "password-hint" : undefined}
            aria-invalid={shortPassword || undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {registering ? (
            <span id="password-hint" className="hint" role={shortPassword ? "alert" : undefined} style={shortPassword ? { color: "var(--maroon)" } : undefined}>
              At least 8 characters.
            </span>
          ) : null}
        </div>
        <ErrorNotice error={error} />
        <div className="btn-row">
          <button type="submit" className="btn saffron" disabled={busy}>
            {busy ? "One moment…" : registering ? "Create account" : "Sign in"}
          </button>
          <Link href={otherHref}>{registering ? "I already have an account" : "Create an account instead"}</Link>
        </div>
      </form>
    </div>
  );
}
