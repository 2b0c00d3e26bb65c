"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";

import { useAuth } from "./AuthProvider";
import { ErrorNotice, Loading, PageHeading } from "./ui";
import { deleteAccount, exportMyData, saveBlob, updateProfile } from "@/lib/api";

export function AccountView() {
  const { user, setUser } = useAuth();
  const router = useRouter();
  const [name, setName] = useState("");
  const [saved, setSaved] = useState(false);
  const [profileError, setProfileError] = useState<unknown>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);
  const [confirmPassword, setConfirmPassword] = useState("");
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [deleting, setDeleting] = useState(false);

  useEffect(() => {
    if (user) setName(user.name ?? "");
  }, [user]);

  if (user === undefined) return <Loading />;
  if (user === null) {
    return (
      <div className="card form-narrow">
        <PageHeading>Your account</PageHeading>
        <p>
          Please <Link href="/signin?next=/account">sign in</Link> to see your account.
        </p>
      </div>
    );
  }

  async function saveProfile(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    setProfileError(null);
    try {
      setUser(await updateProfile(name.trim()));
      setSaved(true);
    } catch (failure) {
      setProfileError(failure);
    }
  }

  async function download() {
    setExporting(true);
    setExportError(null);
    try {
      saveBlob(await exportMyData(), "rekha-my-data.json");
    } catch (failure) {
      setExportError(failure);
    } finally {
      setExporting(false);
    }
  }

  async function remove(event: FormEvent) {
    event.preventDefault();
    if (!window.confirm("Delete your account, every reading, photo and conversation? This cannot be undone.")) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await deleteAccount(confirmPassword);
      setUser(null);
      router.push("/");
    } catch (failure) {
      setDeleteError(failure);
      setDeleting(false);
    }
  }

  return (
    <div style={{ maxWidth: "40rem", margin: "0 auto" }}>
      <PageHeading eyebrow="Your account">Namaste{user.name ? `, ${user.name}` : ""}</PageHeading>
      <section className="card" aria-labelledby="profile-title">
        <h2 id="profile-title" style={{ marginTop: 0 }}>
          Profile
        </h2>
        <p style={{ color: "var(--muted)" }}>Signed in as {user.email}</p>
        <form onSubmit={saveProfile}>
          <div className="field">
            <label htmlFor="profile-name">Name</label>
            <input id="profile-name" type="text" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <ErrorNotice error={profileError} />
          {saved ? (
            <p className="notice success" role="status">
              Saved.
            </p>
          ) : null}
          <button type="submit" className="btn">
            Save
          </button>
        </form>
      </section>

      <section className="card" aria-labelledby="export-title">
        <h2 id="export-title" style={{ marginTop: 0 }}>
          Your data
        </h2>
        <p>Download everything Rekha keeps about you: profile, readings and conversations, as one JSON file.</p>
        <ErrorNotice error={exportError} />
        <button type="button" className="btn ghost" onClick={download} disabled={exporting}>
          {exporting ? "Preparing…" : "Export my data"}
        </button>
      </section>

      <section className="card" aria-labelledby="delete-title" style={{ borderColor: "#e2b9b4" }}>
        <h2 id="delete-title" style={{ marginTop: 0, color: "var(--maroon)" }}>
          Delete my account
        </h2>
        <p>This removes your account, every reading, photo and conversation, at once and for good.</p>
        <form onSubmit={remove}>
          <div className="field">
            <label htmlFor="delete-password">Your password, to confirm</label>
            <input
              id="delete-password"
              type="password"
              autoComplete="current-password"
              required
              value={confirmPassword}
              onChange={(e) => setConfirmPassword(e.target.value)}
            />
          </div>
          <ErrorNotice error={deleteError} />
          <button type="submit" className="btn danger" disabled={deleting || !confirmPassword}>
            {deleting ? "Deleting…" : "Delete my account"}
          </button>
        </form>
      </section>
    </div>
  );
}
