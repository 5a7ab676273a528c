// Hard limits on user expressions. They bound parse time, stack depth and the memory the
// history rings and indicator windows can claim, so a typo cannot take the bot down.
export const LIMITS = {
  /** Characters per expression. */
  textLength: 4096,
  tokens: 1000,
  /** Brackets plus chained prefix operators. */
  nesting: 32,
  /** Largest indicator length and history offset `x[n]`. */
  maxLength: 5000,
  /** Distinct nodes after sharing identical sub-expressions, over all fields of one bot. */
  nodes: 500,
} as const;
