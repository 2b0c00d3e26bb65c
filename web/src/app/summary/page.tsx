import type { Metadata } from "next";
import { Suspense } from "react";

import { SummaryView } from "@/components/SummaryView";
import { Loading } from "@/components/ui";

export const metadata: Metadata = { title: "Your reading in brief" };

export default function SummaryPage() {
  return (
    <Suspense fallback={<Loading />}>
      <SummaryView />
    </Suspense>
  );
}
