"use client";

import { useEffect, useState } from "react";

import { eventsUrl, getStatus } from "@/lib/api";
import { isFinished } from "@/lib/stages";
import type { StatusInfo } from "@/lib/types";

const POLL_MS = 1500;

/**
 * Follows a job: Server-Sent Events when the browser and API offer them, polling
 * /status otherwise (or when the stream drops). Stops once the job has finished.
 */
export function useAnalysisStatus(id: string | null): { info: StatusInfo | null; error: unknown } {
  const [info, setInfo] = useState<StatusInfo | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!id) return;
    let stopped = false;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;

    const accept = (next: StatusInfo) => {
      if (stopped) return;
      setInfo(next);
      setError(null);
      if (isFinished(next.status)) stop();
    };

    const poll = async () => {
      if (stopped) return;
      try {
        accept(await getStatus(id));
      } catch (failure) {
        if (!stopped) setError(failure);
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };

    function stop() {
      stopped = true;
      source?.close();
      if (timer) clearTimeout(timer);
    }

    // One status read first, so the page shows something at once even before SSE opens.
    void getStatus(id).then(accept, (failure: unknown) => setError(failure));

    if (typeof EventSource !== "undefined") {
      source = new EventSource(eventsUrl(id), { withCredentials: true });
      const onData = (event: MessageEvent<string>) => {
        try {
          const parsed = JSON.parse(event.data) as StatusInfo;
          if (parsed && typeof parsed.status === "string") accept({ ...parsed, id: parsed.id ?? id });
        } catch {
          // A keep-alive or a message we do not know: ignore it.
        }
      };
      source.onmessage = onData;
      for (const name of ["status", "progress", "update", "done", "completed", "failed"]) {
        source.addEventListener(name, onData as EventListener);
      }
      source.onerror = () => {
        // The stream is gone (or never was): fall back to polling.
        source?.close();
        source = null;
        if (!stopped && !timer) timer = setTimeout(poll, 200);
      };
    } else {
      timer = setTimeout(poll, POLL_MS);
    }
    return stop;
  }, [id]);

  return { info, error };
}
