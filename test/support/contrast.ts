/**
 * WCAG 2 contrast between CSS colours as getComputedStyle gives them (`rgb(…)`/`rgba(…)`), for the tests
 * that check the views' buttons in VS Code's themes (AA asks 4.5:1 for text).
 */

/** [r, g, b, alpha] of `rgb(1, 2, 3)` or `rgba(1, 2, 3, 0.5)`. */
export function parseColour(css: string): [number, number, number, number] {
  const match = /rgba?\(([^)]+)\)/.exec(css);
  if (!match) throw new Error(`not an rgb() colour: ${css}`);
  const [r, g, b, a] = match[1]!.split(/[ ,/]+/).map(Number);
  return [r!, g!, b!, a ?? 1];
}

/** `top` (with its alpha, times `opacity`) painted over the opaque `bottom`. */
export function over(top: string, bottom: string, opacity = 1): string {
  const [r, g, b, a] = parseColour(top);
  const [R, G, B] = parseColour(bottom);
  const alpha = a * opacity;
  const mix = (x: number, y: number): number => Math.round(x * alpha + y * (1 - alpha));
  return `rgb(${mix(r, R)}, ${mix(g, G)}, ${mix(b, B)})`;
}

function luminance(css: string): number {
  const [r, g, b] = parseColour(css).map((v) => v / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** The contrast ratio of two opaque colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** What CSS `filter: grayscale(1)` makes of a colour (the filter's luminance weights on sRGB values). */
export function grey(css: string): string {
  const [r, g, b] = parseColour(css);
  const v = Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b);
  return `rgb(${v}, ${v}, ${v})`;
}
