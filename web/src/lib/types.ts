/**
 * The shapes the pages work with. They follow the API (src/rekha/reading/types.py and the
 * routers); api.ts maps the generated client's responses onto them.
 */

export type Hand = "left" | "right";
export type Focus = "general" | "life" | "love" | "career" | "health";
export type AnalysisStatus = "queued" | "processing" | "completed" | "failed";
export type Point = [number, number];

export interface User {
  id: string;
  email: string;
  name?: string | null;
  picture?: string | null;
  created_at?: string;
}

export interface Evidence {
  hand: Hand;
  field: string;
  value: unknown;
  confidence: number;
}

export interface ReadingSection {
  key: string;
  title: string;
  text: string;
  evidence: Evidence[];
}

export interface Reading {
  summary: string;
  sections: ReadingSection[];
  focus: Focus;
  hands: Hand[];
  convention: string;
  disclaimer: string;
}

export interface MountRegion {
  name: string;
  center: Point;
  radius: number;
  lines_crossing: string[];
}

export interface OverlaySign {
  line: string;
  kind: "island" | "fork";
  at: Point;
}

export interface Overlay {
  hand: Hand;
  image_size: [number, number];
  lines: Record<string, Point[]>;
  mounts: MountRegion[];
  /** Lines drawn although not clearly visible (absent on overlays stored before it existed). */
  not_clear?: string[];
  signs?: OverlaySign[];
}

export interface StatusInfo {
  id: string;
  status: AnalysisStatus;
  stage: string;
  progress: number;
  error?: { code: string; message: string } | null;
  attempts?: number;
}

export interface AnalysisImageInfo {
  hand: Hand;
  width?: number;
  height?: number;
  url?: string;
  thumbnail_url?: string | null;
  overlay_url?: string | null;
}

export interface AnalysisError {
  code: string | null;
  message: string;
}

export interface AnalysisListItem {
  id: string;
  status: AnalysisStatus;
  stage?: string;
  progress?: number;
  focus?: Focus;
  hands?: Hand[];
  images?: AnalysisImageInfo[];
  thumbnail_url?: string | null;
  error?: AnalysisError | null;
  created_at: string;
}

/** What the worker stores as the public summary (src/rekha/analyses/tasks.py). */
export interface SummaryPayload {
  text: string;
  focus?: Focus;
  hands?: Hand[];
  convention?: string;
  disclaimer?: string;
}

export interface AnalysisSummary {
  id: string;
  status: AnalysisStatus;
  stage?: string;
  progress?: number;
  focus?: Focus;
  hands: Hand[];
  summary: SummaryPayload | null;
  overlay_url?: string | null;
  error?: AnalysisError | null;
  created_at?: string;
}

/** The full report the worker stores: the reading, measurements and overlays by hand. */
export interface ReportPayload {
  reading: Reading;
  measurements?: Partial<Record<Hand, unknown>>;
  overlays?: Partial<Record<Hand, Overlay>>;
  provider?: string;
}

export interface AnalysisFull extends AnalysisListItem {
  summary?: SummaryPayload | null;
  report?: ReportPayload | null;
  dominant_hand?: Hand | null;
  updated_at?: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  page_size: number;
  total: number;
}

export interface UploadAccepted {
  id: string;
  status: AnalysisStatus;
  status_url?: string;
}

export interface ConversationTemplate {
  id: string;
  title: string;
  question: string;
  topic?: string;
}

export interface Conversation {
  id: string;
  analysis_id?: string;
  title: string;
  template_id?: string | null;
  created_at: string;
  updated_at?: string;
  message_count?: number;
}

/** A conversation found by words in its title or its messages (GET /conversations?q=). */
export interface ConversationHit extends Conversation {
  analysis_id: string;
  matched: "title" | "message";
  snippet?: string | null;
}

export interface Message {
  id: number | string;
  role: "user" | "assistant";
  content: string;
  created_at: string;
  /** Measurements the answer draws on, e.g. "lines.heart". */
  cited?: string[];
  status?: "pending" | "completed" | "failed";
}
