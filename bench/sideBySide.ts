/**
 * How every comparison in the bench is measured: the two sides in the same run, in rounds that alternate
 * which side goes first (A B, B A, A B...), so warm-up, thermal drift and other load fall on both; the ratio
 * printed is the median of the rounds' own ratios (one unalternated pair is noise on a 2-core machine).
 */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export interface SideBySide {
  /** Each side's median over the rounds. */
  a: number;
  b: number;
  /** The median of the per-round ratios a/b. */
  ratio: number;
  /** The median of the per-round differences a - b. */
  difference: number;
  rounds: number;
}

/** Measures `a` and `b` (each returns one sample) in `rounds` rounds, alternating which goes first. */
export async function sideBySide(rounds: number, a: () => number | Promise<number>, b: () => number | Promise<number>): Promise<SideBySide> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  return {
    a: median(as),
    b: median(bs),
    ratio: median(as.map((x, i) => x / bs[i]!)),
    difference: median(as.map((x, i) => x - bs[i]!)),
    rounds,
  };
}

/** "N alternating rounds, median of per-round ratios", for the printed lines. */
export function roundsNote(result: SideBySide): string {
  return `${result.rounds} alternating rounds, median of per-round ratios`;
}
