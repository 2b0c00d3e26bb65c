import Link from "next/link";

export default function NotFound() {
  return (
    <div className="card form-narrow empty">
      <h1>This page is not here</h1>
      <p>The link may be incomplete, or the page has moved.</p>
      <Link className="btn saffron" href="/">
        Go to the start
      </Link>
    </div>
  );
}
