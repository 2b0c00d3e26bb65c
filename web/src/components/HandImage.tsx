"use client";

import { useState } from "react";

import { imageUrl } from "@/lib/api";
import type { Hand } from "@/lib/types";

/** An image the API serves to the owner (or the uploading browser); tries kinds in order. */
export function HandImage({
  id,
  hand,
  kinds,
  alt,
  className,
}: {
  id: string;
  hand: Hand;
  kinds: ("overlay" | "thumbnail" | "original")[];
  alt: string;
  className?: string;
}) {
  const [index, setIndex] = useState(0);
  const kind = kinds[index];
  if (!kind) return <div className={`thumb-empty ${className ?? ""}`} role="img" aria-label={alt} />;
  return (
    // eslint-disable-next-line @next/next/no-img-element -- served by the API with cookies
    <img
      className={className}
      src={imageUrl(id, hand, kind)}
      alt={alt}
      loading="lazy"
      onError={() => setIndex((i) => i + 1)}
    />
  );
}
