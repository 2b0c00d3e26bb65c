/** Rekha's mark: an open palm inside a lotus, drawn inline (no image files, no fonts). */
export function LotusMark({ size = 34, title }: { size?: number; title?: string }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 64 64"
      role={title ? "img" : undefined}
      aria-hidden={title ? undefined : true}
      aria-label={title}
    >
      <g fill="none" strokeLinecap="round" strokeLinejoin="round">
        <path d="M32 58c-9-4-14-12-14-22 5 1 10 5 14 11 4-6 9-10 14-11 0 10-5 18-14 22z" fill="#e8871e" />
        <path d="M32 47c-6-6-8-14-6-24 3 3 5 7 6 12 1-5 3-9 6-12 2 10 0 18-6 24z" fill="#f4b63f" />
        <path d="M20 30c-5-2-9-1-12 1 2 6 8 10 16 10" stroke="#f4b63f" strokeWidth="2.5" />
        <path d="M44 30c5-2 9-1 12 1-2 6-8 10-16 10" stroke="#f4b63f" strokeWidth="2.5" />
        <path d="M27 36c2-3 7-3 10 0M28 41c3-1 6-1 8 0" stroke="#1a2150" strokeWidth="1.8" />
        <circle cx="32" cy="12" r="3.2" fill="#fbf6ec" />
      </g>
    </svg>
  );
}

/** A slowly turning rangoli for waiting moments (still when reduced motion is asked for). */
export function Mandala({ className = "mandala" }: { className?: string }) {
  const petals = Array.from({ length: 12 }, (_, i) => i * 30);
  return (
    <svg className={className} viewBox="0 0 100 100" aria-hidden="true">
      <g transform="translate(50 50)">
        {petals.map((angle) => (
          <path
            key={angle}
            d="M0 -8 C 7 -18, 7 -30, 0 -44 C -7 -30, -7 -18, 0 -8z"
            transform={`rotate(${angle})`}
            fill={angle % 60 === 0 ? "#e8871e" : "#f4b63f"}
            opacity="0.85"
          />
        ))}
        <circle r="9" fill="#26306a" />
        <circle r="4" fill="#fbf6ec" />
      </g>
    </svg>
  );
}
