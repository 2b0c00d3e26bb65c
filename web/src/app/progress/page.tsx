import type { Metadata } from "next";
import { Suspense } from "react";

import { ProgressView } from "@/components/ProgressView";
import { Loading } from "@/components/ui";

export const metadata: Metadata = { title: "Reading your palm" };

export default function ProgressPage() {
  return (
    <Suspense fallback={<Loading />}>
      <ProgressView />
    </Suspense>
  );
}
