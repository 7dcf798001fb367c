// "Did you mean" by edit distance: shared by spec messages and the custom-layer adapter.

/**
 * Levenshtein distance (insertions, deletions, substitutions each cost 1), or `max + 1` as soon as it
 * must exceed `max`: only a band of 2·max + 1 cells per row is filled, so a bounded comparison costs
 * O(max · length) however long the strings.
 */
export function editDistance(a: string, b: string, max = Math.max(a.length, b.length)): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const over = max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => (j <= max ? j : over));
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(over);
    row[0] = i <= max ? i : over;
    let rowMin = row[0];
    for (let j = Math.max(1, i - max); j <= Math.min(b.length, i + max); j++) {
      row[j] = Math.min(over, prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, row[j]);
    }
    if (rowMin > max) return over;
    prev = row;
  }
  return prev[b.length];
}

/** The candidate closest to `word` (case-insensitive), if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  // Long words are compared with a cap so a pasted paragraph costs no more than a short key.
  if (word.length > 64) return undefined;
  const lower = word.toLowerCase();
  const limit = lower.length <= 3 ? 1 : lower.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    // Too long, or too different in length to beat the best so far: no need to compare.
    if (candidate.length > 64 || Math.abs(candidate.length - lower.length) >= bestDistance) continue;
    const d = editDistance(lower, candidate.toLowerCase(), bestDistance - 1);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
