import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";

import "./globals.css";
import { AuthProvider } from "@/components/AuthProvider";
import { SiteHeader } from "@/components/SiteHeader";

export const metadata: Metadata = {
  title: { default: "Rekha · palm reading in the Indian tradition", template: "%s · Rekha" },
  description: "Upload a photo of your palm and read what its lines say, in the tradition of Hast Rekha Shastra.",
  icons: { icon: "/icon.svg" },
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: "#1a2150",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <AuthProvider>
          <SiteHeader />
          <main id="main" tabIndex={-1}>
            {children}
          </main>
        </AuthProvider>
        <footer className="site-footer">
          <div className="border-motif" aria-hidden="true" />
          <div className="inner">
            <p>
              <strong>Rekha is for reflection and delight.</strong> Palmistry is a tradition, not a science: nothing
              here is medical, legal, financial or psychological advice, and no line foretells a date or a fate.
            </p>
            <p className="no-print">Your photos are stored without their location data and you can delete them at any time.</p>
          </div>
        </footer>
      </body>
    </html>
  );
}
