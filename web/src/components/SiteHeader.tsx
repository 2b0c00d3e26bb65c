"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";

import { useAuth } from "./AuthProvider";
import { LotusMark } from "./LotusMark";
import { logout } from "@/lib/api";
import { errorMessage } from "@/lib/errors";

function NavLink({ href, children, className }: { href: string; children: React.ReactNode; className?: string }) {
  const pathname = usePathname();
  const current = pathname === href || (href !== "/" && pathname.startsWith(href));
  return (
    <Link href={href} aria-current={current ? "page" : undefined} className={className}>
      {children}
    </Link>
  );
}

export function SiteHeader() {
  const { user, setUser } = useAuth();
  const router = useRouter();
  const [problem, setProblem] = useState<string | null>(null);

  async function signOut() {
    try {
      await logout();
      setUser(null);
      router.push("/");
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }

  return (
    <header className="site-header">
      <div className="inner">
        <Link href="/" className="brand" aria-label="Rekha, home">
          <LotusMark />
          <span>Rekha</span>
          <small>palm reading · Hast Rekha Shastra</small>
        </Link>
        <nav className="site-nav" aria-label="Main">
          {/* On a narrow phone the brand is the way home; the menu keeps to one line. */}
          <NavLink href="/" className={user ? "hide-narrow" : undefined}>
            New reading
          </NavLink>
          {user ? (
            <>
              <NavLink href="/analyses">My readings</NavLink>
              <NavLink href="/account">Account</NavLink>
              <button type="button" onClick={signOut}>
                Sign out
              </button>
            </>
          ) : user === null ? (
            <>
              <NavLink href="/signin">Sign in</NavLink>
              <NavLink href="/register">Create account</NavLink>
            </>
          ) : null}
        </nav>
      </div>
      {problem ? (
        <p role="alert" className="notice error" style={{ margin: "0 1rem 0.75rem" }}>
          {problem}
        </p>
      ) : null}
    </header>
  );
}
