import { UploadView } from "@/components/UploadView";

export default function HomePage() {
  return <UploadView />;
}
