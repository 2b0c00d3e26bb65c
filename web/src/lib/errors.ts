/**
 * Every error the API (or the network) can give, as a sentence a person understands.
 * This is the ONE place codes become words: pages call `errorMessage(err)` and nothing else.
 */

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly serverMessage: string;
  readonly details: unknown;
  readonly retryAfter: number | null;

  constructor(
    status: number,
    code: string,
    serverMessage: string,
    details: unknown = null,
    retryAfter: number | null = null,
  ) {
    super(`${status} ${code}: ${serverMessage}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.serverMessage = serverMessage;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

export function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const inner = (value as { error: unknown }).error;
  return typeof inner === "object" && inner !== null && typeof (inner as { code?: unknown }).code === "string";
}

/** Builds an ApiError from a response status, its parsed body (if any) and Retry-After. */
export function toApiError(status: number, body: unknown, retryAfterHeader: string | null = null): ApiError {
  const retryAfter = retryAfterHeader && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : null;
  if (isErrorBody(body)) {
    const { code, message, details } = body.error;
    const detailRetry =
      typeof details === "object" && details !== null && typeof (details as { retry_after?: unknown }).retry_after === "number"
        ? ((details as { retry_after: number }).retry_after)
        : null;
    return new ApiError(status, code, message ?? "", details ?? null, retryAfter ?? detailRetry);
  }
  return new ApiError(status, STATUS_FALLBACK_CODES[status] ?? "unexpected_error", "", body ?? null, retryAfter);
}

const STATUS_FALLBACK_CODES: Record<number, string> = {
  400: "bad_request",
  401: "not_authenticated",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "file_too_large",
  415: "unsupported_media",
  422: "validation_error",
  429: "rate_limited",
  500: "server_error",
  502: "service_unavailable",
  503: "service_unavailable",
  504: "service_unavailable",
};

/** Human messages by error code. Refusal codes of the reading engine are here too. */
export const ERROR_MESSAGES: Record<string, string> = {
  // the network and the client itself
  network_error: "We could not reach Rekha. Check your connection and try again.",
  error: "Something went wrong on our side. Please try again in a moment.",
  unexpected_error: "Something went wrong on our side. Please try again in a moment.",
  server_error: "Something went wrong on our side. Please try again in a moment.",
  upload_aborted: "The upload was cancelled.",
  // generic HTTP
  bad_request: "That request could not be understood. Please check what you entered.",
  validation_error: "Some fields are not quite right. Please check them and try again.",
  not_found: "We could not find that. It may have been deleted, or the link is incomplete.",
  method_not_allowed: "That action is not available here.",
  conflict: "That clashes with something that already exists.",
  forbidden: "You are not allowed to do that.",
  rate_limited: "That was a lot of requests in a short time. Please wait a little and try again.",
  service_unavailable: "A part of Rekha is resting right now. Please try again shortly.",
  web_ui_not_built: "The web app has not been built yet.",
  // accounts and sessions
  csrf_failed: "Your session's security check expired. Please reload the page and try again.",
  not_authenticated: "Please sign in to continue.",
  login_required: "Sign in or create an account to read the full report.",
  invalid_credentials: "That email and password do not match an account.",
  email_taken: "An account with that email already exists. Try signing in instead.",
  email_already_registered: "An account with that email already exists. Try signing in instead.",
  email_exists: "An account with that email already exists. Try signing in instead.",
  invalid_email: "That does not look like an email address.",
  password_too_short: "Please choose a password of at least 8 characters.",
  password_too_long: "That password is too long: at most 72 bytes (fewer if it has accents or emoji).",
  weak_password: "Please choose a stronger password.",
  wrong_password: "That password is not right.",
  invalid_password: "That password is not right.",
  login_rate_limited: "Too many sign-in attempts. Please wait a few minutes and try again.",
  register_rate_limited: "Too many new accounts from this network. Please try again later.",
  // uploads
  no_images: "Please add a photo of at least one palm.",
  no_image: "Please add a photo of at least one palm.",
  missing_image: "Please add a photo of at least one palm.",
  unsupported_media: "That file type is not supported. Please use a JPEG, PNG, HEIC or WebP photo.",
  unsupported_image_type: "That file type is not supported. Please use a JPEG, PNG, HEIC or WebP photo.",
  unsupported_image: "That file type is not supported. Please use a JPEG, PNG, HEIC or WebP photo.",
  unsupported_file_type: "That file type is not supported. Please use a JPEG, PNG, HEIC or WebP photo.",
  file_too_large: "That photo is larger than 15 MB. Please choose a smaller one.",
  empty_file: "That file is empty. Please choose the photo again.",
  image_too_large: "That image has too many pixels to read safely. Please use a normal phone photo.",
  too_many_pixels: "That image has too many pixels to read safely. Please use a normal phone photo.",
  decompression_bomb: "That image has too many pixels to read safely. Please use a normal phone photo.",
  corrupt_image: "That photo seems damaged or incomplete. Please take or choose it again.",
  invalid_image: "That photo seems damaged or incomplete. Please take or choose it again.",
  truncated_image: "That photo seems damaged or incomplete. Please take or choose it again.",
  too_many_files: "Please send at most two photos: one left palm and one right palm.",
  unknown_field: "Only a left palm and a right palm photo can be sent.",
  duplicate_image: "The same photo is in both slots. Please use one photo of each hand.",
  same_image: "The same photo is in both slots. Please use one photo of each hand.",
  invalid_focus: "Please choose one of the focus areas offered.",
  quota_exceeded: "You have reached today's limit of readings. Please come back tomorrow.",
  daily_quota_exceeded: "You have reached today's limit of readings. Please come back tomorrow.",
  analysis_quota_exceeded: "You have reached today's limit of readings. Please come back tomorrow.",
  storage_quota_exceeded: "Your account is out of space for photos. Delete an older reading to make room.",
  // analyses and jobs
  analysis_not_ready: "This reading is not finished yet. Please wait a moment.",
  not_completed: "This reading is not finished yet. Please wait a moment.",
  analysis_not_completed: "This reading is not finished yet. Please wait a moment.",
  analysis_failed: "This reading could not be completed.",
  not_failed: "Only a reading that did not finish can be tried again.",
  analysis_not_failed: "Only a reading that did not finish can be tried again.",
  not_retryable: "This reading cannot be tried again. Please upload a new photo.",
  image_not_found: "That picture is not available.",
  provider_unavailable: "The reader is busy right now. We will keep trying for a little while.",
  provider_error: "The reader is busy right now. Please try again shortly.",
  stuck: "This reading took far too long and was stopped. Please try again.",
  timeout: "This reading took far too long and was stopped. Please try again.",
  internal_error: "Something went wrong while reading your palm. Please try again.",
  // the reading engine's refusals (src/rekha/reading/types.py RefusalCode)
  unreadable_image: "We could not open that photo. Please try another one.",
  no_hand: "We could not find a hand in that photo. Please photograph your open palm, filling most of the frame.",
  back_of_hand: "That looks like the back of a hand. Please turn your hand over and photograph the palm.",
  multiple_hands: "We see more than one hand. Please photograph one palm at a time.",
  hand_cut_off: "Part of the hand is outside the photo. Please include the whole palm and the base of the fingers.",
  too_blurry: "The photo is too blurry to see the lines. Hold steady, tap to focus and try again.",
  too_dark: "The photo is too dark to see the lines. Please use daylight or a bright lamp.",
  wrong_hand: "That looks like the other hand. Please check the photo is in the right slot (left or right).",
  // conversations
  empty_message: "Please write a question first.",
  message_empty: "Please write a question first.",
  message_too_long: "That question is too long. Please shorten it a little.",
  unknown_template: "That suggested question is no longer available.",
  template_not_found: "That suggested question is no longer available.",
  invalid_format: "That export format is not available.",
  conversation_not_found: "That conversation could not be found. It may have been deleted.",
  analysis_not_found: "That reading could not be found. It may have been deleted.",
  // codes the API raises today (kept in step by src/lib/errors.test.ts, which reads the API's source)
  malformed_multipart: "The upload arrived garbled. Please try sending it again.",
  not_multipart: "The upload arrived garbled. Please try sending it again.",
  upload_interrupted: "The upload was cut off before it finished. Please check your connection and try again.",
  upload_too_large: "Those photos are too large together. Please send at most two photos of up to 15 MB each.",
  duplicate_field: "Each palm can be sent only once. Please choose one photo per slot.",
  invalid_field: "Some of what was sent is not right. Please check the form and try again.",
  field_too_long: "One of the fields is too long. Please shorten it.",
  invalid_dominant_hand: "Please choose left or right as the hand you write with.",
  image_truncated: "That photo seems incomplete (the upload may have been cut off). Please send it again.",
  image_corrupt: "That photo could not be opened: the file looks damaged. Please try another one.",
  image_too_many_pixels: "That image has too many pixels to read safely. Please send a smaller photo.",
  image_too_small: "That photo is too small to see the lines. Please send a larger, closer photo.",
  anonymous_quota_exceeded: "You have made today's free readings from this network. Create an account to make more, or come back tomorrow.",
  enqueue_failed: "Your photos arrived but the reader could not be started. Please try again in a moment.",
  retrying: "The reader was busy; we are trying again.",
  too_many_attempts: "The reader stayed busy for too long. Please try again a little later.",
  images_missing: "This reading has no photos left. Please upload again.",
  reading_failed: "Something went wrong while reading your palm. Please try again.",
  timed_out: "This reading took far too long and was stopped. Please try again.",
  answer_pending: "Rekha is still answering your last question. Please wait a moment.",
  too_many_questions: "That is a lot of questions in a short time. Take a breath; Rekha will answer again shortly.",
  answers_unavailable: "Rekha cannot answer right now. Please try again shortly.",
  empty_title: "Please give the conversation a name.",
  metadata_too_large: "That is too much to store with a conversation.",
  unsupported_export_format: "That export format is not available: choose Markdown or JSON.",
};

const STATUS_MESSAGES: Record<number, string> = {
  401: ERROR_MESSAGES.not_authenticated!,
  403: ERROR_MESSAGES.forbidden!,
  404: ERROR_MESSAGES.not_found!,
  413: ERROR_MESSAGES.file_too_large!,
  429: ERROR_MESSAGES.rate_limited!,
};

function waitPhrase(seconds: number): string {
  if (seconds < 60) return `Please try again in ${seconds} second${seconds === 1 ? "" : "s"}.`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `Please try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
  const hours = Math.ceil(minutes / 60);
  return `Please try again in about ${hours} hour${hours === 1 ? "" : "s"}.`;
}

/** A message for a code, the API's own words as a fallback, then a message by status. */
export function messageForCode(code: string, serverMessage = "", status = 0): string {
  const known = ERROR_MESSAGES[code];
  if (known) return known;
  if (serverMessage) return serverMessage;
  if (status >= 500) return ERROR_MESSAGES.server_error!;
  return STATUS_MESSAGES[status] ?? ERROR_MESSAGES.unexpected_error!;
}

/** The one function pages use to turn anything thrown into words. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    let message = messageForCode(error.code, error.serverMessage, error.status);
    // Validation errors name the field that is wrong, when the API says which.
    const field = fieldOf(error.details);
    if (error.code === "validation_error" && field === "email") message = ERROR_MESSAGES.invalid_email!;
    else if (error.code === "validation_error" && field) message = `Please check the ${field}: ${fieldProblem(error.details) ?? "it is not valid."}`;
    if (error.retryAfter && error.status === 429) message = `${message} ${waitPhrase(error.retryAfter)}`;
    // Upload refusals say which photo they are about.
    const hand = handOf(error.details);
    if (hand) message = `${hand === "left" ? "Left" : "Right"} palm photo: ${message}`;
    return message;
  }
  if (error instanceof TypeError) return ERROR_MESSAGES.network_error!;
  return ERROR_MESSAGES.unexpected_error!;
}

/** FastAPI validation details look like [{loc: ["body", "email"], msg, type}]. */
function firstDetail(details: unknown): { loc?: unknown[]; msg?: string; field?: string; message?: string } | null {
  if (Array.isArray(details) && details.length > 0 && typeof details[0] === "object") return details[0] as { loc?: unknown[]; msg?: string };
  if (typeof details === "object" && details !== null && Array.isArray((details as { errors?: unknown }).errors)) {
    return firstDetail((details as { errors: unknown[] }).errors);
  }
  return null;
}

function fieldOf(details: unknown): string | null {
  const detail = firstDetail(details);
  if (typeof detail?.field === "string") return detail.field.replace(/_/g, " ");
  const loc = detail?.loc;
  if (!Array.isArray(loc) || loc.length === 0) return null;
  const last = loc[loc.length - 1];
  return typeof last === "string" ? last.replace(/_/g, " ") : null;
}

function fieldProblem(details: unknown): string | null {
  const detail = firstDetail(details);
  const msg = detail?.msg ?? detail?.message;
  if (!msg) return null;
  const cleaned = msg.replace(/^Value error, /, "");
  const sentence = cleaned.charAt(0).toLowerCase() + cleaned.slice(1);
  return sentence.endsWith(".") ? sentence : `${sentence}.`;
}

function handOf(details: unknown): "left" | "right" | null {
  const hand = typeof details === "object" && details !== null ? (details as { hand?: unknown }).hand : null;
  return hand === "left" || hand === "right" ? hand : null;
}
