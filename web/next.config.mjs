/** @type {import('next').NextConfig} */
const nextConfig = {
  // A static export the API serves at "/": no Node server at run time.
  output: "export",
  // Dynamic ids travel in the query string (/report?id=...), so every page pre-renders.
  trailingSlash: false,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
};

export default nextConfig;
