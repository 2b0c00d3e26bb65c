import type { Metadata } from "next";
import { Suspense } from "react";

import { AnalysesView } from "@/components/AnalysesView";
import { Loading } from "@/components/ui";

export const metadata: Metadata = { title: "My readings" };

export default function AnalysesPage() {
  return (
    <Suspense fallback={<Loading />}>
      <AnalysesView />
    </Suspense>
  );
}
