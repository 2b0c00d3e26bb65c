import type { Metadata } from "next";
import { Suspense } from "react";

import { AnalysisDetailView } from "@/components/AnalysisDetailView";
import { Loading } from "@/components/ui";

export const metadata: Metadata = { title: "Your reading" };

export default function AnalysisPage() {
  return (
    <Suspense fallback={<Loading />}>
      <AnalysisDetailView />
    </Suspense>
  );
}
