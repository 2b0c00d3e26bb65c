/** Reading the full analysis the API returns, and arranging its sections for a focus. */
import type { Focus, Hand, Overlay, Reading, ReadingSection } from "./types";

export const FOCUS_OPTIONS: { value: Focus; label: string; hint: string }[] = [
  { value: "general", label: "Everything", hint: "The whole reading" },
  { value: "life", label: "Life", hint: "Vitality, path and character" },
  { value: "love", label: "Love", hint: "Heart, relationships, marriage" },
  { value: "career", label: "Career", hint: "Work, ambition, success" },
  { value: "health", label: "Health", hint: "Energy and care of the body" },
];

/** Words that tie a section (by key, title or evidence) to a focus. */
const FOCUS_WORDS: Record<Exclude<Focus, "general">, string[]> = {
  life: ["life", "jeevan", "vitality", "path", "shape", "character", "thumb", "shukra", "venus", "temperament", "element"],
  love: ["love", "heart", "hriday", "marriage", "vivah", "relationship", "affection", "shukra", "venus", "partner"],
  career: ["career", "fate", "bhagya", "sun", "surya", "work", "success", "ambition", "head", "mastishk", "guru", "jupiter", "saturn", "shani", "money"],
  health: ["health", "mercury", "budh", "swasthya", "vitality", "life", "bracelet", "manibandh", "energy"],
};

export function sectionMatches(section: ReadingSection, focus: Focus): boolean {
  if (focus === "general") return true;
  const haystack = [section.key, section.title, ...section.evidence.map((e) => e.field)].join(" ").toLowerCase();
  return FOCUS_WORDS[focus].some((word) => haystack.includes(word));
}

/** Sections about the focus first (in their order), the rest after, each marked. */
export function arrangeSections(sections: ReadingSection[], focus: Focus): { section: ReadingSection; matches: boolean }[] {
  const marked = sections.map((section) => ({ section, matches: sectionMatches(section, focus) }));
  return [...marked.filter((m) => m.matches), ...marked.filter((m) => !m.matches)];
}

/** Sections that compare the two hands (the engine names them so), kept apart in the layout. */
export function isComparison(section: ReadingSection): boolean {
  const text = `${section.key} ${section.title}`.toLowerCase();
  return text.includes("compar") || text.includes("left_vs_right") || text.includes("both hands") || text.includes("left and right");
}

type Loose = Record<string, unknown>;

function asObject(value: unknown): Loose | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Loose) : null;
}

function looksLikeReading(value: unknown): value is Reading {
  const obj = asObject(value);
  return obj !== null && typeof obj.summary === "string" && Array.isArray(obj.sections);
}

/** The Reading inside a full analysis, wherever the API puts it. */
export function readingOf(analysis: unknown): Reading | null {
  const obj = asObject(analysis);
  if (!obj) return null;
  for (const candidate of [obj.reading, asObject(obj.report)?.reading, obj.report]) {
    if (looksLikeReading(candidate)) {
      return { ...candidate, sections: candidate.sections.map((s) => ({ ...s, evidence: s.evidence ?? [] })) };
    }
  }
  return null;
}

/** The overlays (one per hand) inside a full analysis, wherever the API puts them. */
export function overlaysOf(analysis: unknown): Partial<Record<Hand, Overlay>> {
  const obj = asObject(analysis);
  if (!obj) return {};
  const raw = asObject(obj.overlays) ?? asObject(asObject(obj.report)?.overlays) ?? asObject(asObject(obj.result)?.overlays);
  const out: Partial<Record<Hand, Overlay>> = {};
  if (raw) {
    for (const hand of ["left", "right"] as const) {
      const overlay = asObject(raw[hand]);
      if (overlay && Array.isArray(overlay.image_size) && asObject(overlay.lines)) {
        const typed = overlay as unknown as Overlay;
        out[hand] = { ...typed, hand, mounts: typed.mounts ?? [] };
      }
    }
  }
  return out;
}

export function handsOf(analysis: unknown, reading: Reading | null): Hand[] {
  const obj = asObject(analysis);
  const fromImages = Array.isArray(obj?.images)
    ? (obj!.images as Loose[]).map((img) => img.hand).filter((h): h is Hand => h === "left" || h === "right")
    : [];
  const hands = reading?.hands?.length ? reading.hands : Array.isArray(obj?.hands) ? (obj!.hands as Hand[]) : fromImages;
  return (["left", "right"] as const).filter((h) => hands.includes(h));
}

export function handLabel(hand: Hand): string {
  return hand === "left" ? "Left hand" : "Right hand";
}

export function formatDate(iso: string | undefined | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

/** The public summary invites the reader to sign in; inside the full report that is noise. */
export function withoutSignInInvite(text: string): string {
  return text
    .split(/(?<=[.!?])\s+/)
    .filter((sentence) => !/^(sign in|create an account|register)\b/i.test(sentence.trim()))
    .join(" ");
}
