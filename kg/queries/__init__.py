"""Named competency-question queries: one .rq file each, with a comment header
`# title_en:`, `# title_zh:` and `# question:` lines."""
