import type { Metadata } from "next";
import { Suspense } from "react";

import { ReportView } from "@/components/ReportView";
import { Loading } from "@/components/ui";

export const metadata: Metadata = { title: "Full report" };

export default function ReportPage() {
  return (
    <Suspense fallback={<Loading />}>
      <ReportView />
    </Suspense>
  );
}
