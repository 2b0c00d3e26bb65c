"use client";

import { useSearchParams } from "next/navigation";

/** A query-string value (routes carry ids as ?id=..., since a static export has no [id] pages). */
export function useQueryParam(name: string): string | null {
  const params = useSearchParams();
  const value = params.get(name);
  return value && value.trim() ? value.trim() : null;
}
