import type { Metadata } from "next";
import { Suspense } from "react";

import { AuthForm } from "@/components/AuthForm";
import { Loading } from "@/components/ui";

export const metadata: Metadata = { title: "Sign in" };

export default function Page() {
  return (
    <Suspense fallback={<Loading />}>
      <AuthForm mode="signin" />
    </Suspense>
  );
}
