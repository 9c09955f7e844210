/** Markdown reduced to its words, for search and snippets: no markup, no URLs. */
export function markdownToText(markdown: string): string {
  return markdown
    .replace(/```[^\n]*\n?/g, ' ')
    .replace(/!\[([^[\]]*)\]\(([^()]*)\)/g, '$1')
    .replace(/\[([^[\]]*)\]\(([^()]*)\)/g, '$1')
    .replace(/<[^<>]*>/g, ' ')
    .replaceAll('\u0001', ' ')
    .replaceAll('\u0002', ' ')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+/gm, '')
    .replace(/[*_~`|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The distinct words of a text as search sees them: lower case, letters and digits, 3 to 30 long. */
export function searchWords(text: string): string[] {
  const words = new Set<string>();
  for (const w of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w.length >= 3 && w.length <= 30) words.add(w);
  return [...words];
}
