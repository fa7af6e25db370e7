/**
 * A line of LaTeX or Markdown as plain text for the outline and breadcrumbs, which show text, not typeset
 * math: `For all $n \in \N$, $n^2 \ge n$.` reads `For all n ∈ N, n² ≥ n.`. Commands that only style their
 * argument keep the argument, common math symbols become their Unicode characters, environments, labels,
 * comments and math delimiters go, and any other command keeps its name without the backslash.
 *
 * This is a short table, not a renderer (KaTeX renders math as HTML, which an outline entry cannot show; a
 * LaTeX-to-Unicode package for the whole of LaTeX is far more than a one-line label needs).
 */

const SYMBOLS: Readonly<Record<string, string>> = {
  in: '∈', notin: '∉', ni: '∋', le: '≤', leq: '≤', ge: '≥', geq: '≥', neq: '≠', ne: '≠', approx: '≈', equiv: '≡',
  cdot: '·', times: '×', div: '÷', pm: '±', mp: '∓', to: '→', rightarrow: '→', leftarrow: '←', Rightarrow: '⇒',
  implies: '⇒', iff: '⇔', Leftrightarrow: '⇔', mapsto: '↦', infty: '∞', sum: '∑', prod: '∏', int: '∫', sqrt: '√',
  mid: '|', nmid: '∤', subseteq: '⊆', subset: '⊂', supseteq: '⊇', supset: '⊃', cup: '∪', cap: '∩', setminus: '∖',
  emptyset: '∅', varnothing: '∅', forall: '∀', exists: '∃', neg: '¬', lnot: '¬', land: '∧', wedge: '∧', lor: '∨',
  vee: '∨', angle: '∠', perp: '⊥', parallel: '∥', circ: '∘', partial: '∂', nabla: '∇', ldots: '…', dots: '…',
  cdots: '⋯', lfloor: '⌊', rfloor: '⌋', lceil: '⌈', rceil: '⌉', langle: '⟨', rangle: '⟩', lvert: '|', rvert: '|',
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ε', varepsilon: 'ε', zeta: 'ζ', eta: 'η', theta: 'θ',
  iota: 'ι', kappa: 'κ', lambda: 'λ', mu: 'μ', nu: 'ν', xi: 'ξ', pi: 'π', rho: 'ρ', sigma: 'σ', tau: 'τ',
  phi: 'φ', varphi: 'φ', chi: 'χ', psi: 'ψ', omega: 'ω', Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ', Lambda: 'Λ',
  Pi: 'Π', Sigma: 'Σ', Phi: 'Φ', Psi: 'Ψ', Omega: 'Ω', qed: '∎', square: '□', blacksquare: '∎',
  // Sizing and spacing: nothing of their own to show.
  left: '', right: '', big: '', Big: '', bigg: '', Bigg: '', displaystyle: '', textstyle: '', limits: '',
  nolimits: '', quad: ' ', qquad: ' ', noindent: '', centering: '', par: ' ', item: ' ',
};
const BLACKBOARD: Readonly<Record<string, string>> = { N: 'ℕ', Z: 'ℤ', Q: 'ℚ', R: 'ℝ', C: 'ℂ', P: 'ℙ' };
const SUPERSCRIPTS: Readonly<Record<string, string>> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', n: 'ⁿ', i: 'ⁱ' };
/** Commands whose one argument is their text (`\emph{x}` is x). */
const KEEPS_ARGUMENT = /\\(?:(?:sub){0,2}section\*?|paragraph\*?|emph|textbf|textit|textsc|texttt|textrm|textsf|text|mathrm|mathbf|mathit|mathsf|mathcal|mathfrak|operatorname|boldsymbol|mbox|hbox|underline|overline|fbox|ensuremath)\s*\{([^{}]*)\}/g;
/** Commands that leave nothing (their argument included). */
const DROPS = /\\(?:label|index|cite|vspace|hspace|footnote|ref|eqref|cref|Cref|autoref)\*?\s*(?:\[[^\]]*\])?\s*\{[^{}]*\}|\\(?:begin|end)\s*\{[^{}]*\}(?:\s*\[[^\]]*\])?/g;

/** `text` (LaTeX or Markdown source) on one line, in plain text, without its markup. */
export function plainText(text: string): string {
  let t = text.replace(/(^|[^\\])%[^\n]*/g, '$1'); // comments
  t = t.replace(DROPS, ' ');
  t = t.replace(/\\mathbb\s*\{([A-Z])\}/g, (_whole, letter: string) => BLACKBOARD[letter] ?? letter);
  t = t.replace(/\\pmod\s*\{([^{}]*)\}/g, '(mod $1)');
  t = t.replace(/\\[dt]?frac\s*(?:\{([^{}]*)\}|(\w))\s*(?:\{([^{}]*)\}|(\w))/g, (_whole, n1?: string, n2?: string, d1?: string, d2?: string) => `${grouped(n1 ?? n2!)}/${grouped(d1 ?? d2!)}`);
  t = t.replace(/\\sqrt\s*\{([^{}]*)\}/g, (_whole, radicand: string) => `√${grouped(radicand)}`);
  for (let i = 0; i < 3; i++) t = t.replace(KEEPS_ARGUMENT, '$1'); // nested styles, innermost first
  t = t.replace(/\^\s*\\circ/g, '°');
  t = t.replace(/\^\s*(?:\{([0-9ni])\}|([0-9ni]))/g, (_whole, braced: string | undefined, bare: string | undefined) => SUPERSCRIPTS[braced ?? bare!]!);
  // Any other command with an argument: its name, the argument in parentheses (`\abs{x}` reads abs(x)).
  t = t.replace(/\\([A-Za-z]+)\s*\{([^{}]*)\}/g, (whole, name: string, argument: string) => (Object.hasOwn(SYMBOLS, name) ? whole : `${name}(${argument})`));
  t = t.replace(/\\([A-Za-z]+)\*?/g, (_whole, name: string) => (Object.hasOwn(SYMBOLS, name) ? SYMBOLS[name]! : name));
  t = t.replace(/\\[,;:! ]|\\\\|~/g, ' ');
  t = t.replace(/\\([{}$%&#_])/g, '$1');
  t = t.replace(/\$\$?|\\[()[\]]/g, '');
  t = t.replace(/[{}]/g, '');
  t = t.replace(/---/g, '—').replace(/--/g, '–');
  t = t.replace(/\*\*|__|`/g, ''); // Markdown emphasis and code marks
  return t.replace(/\s+/g, ' ').trim();
}

/** `text` as one operand: in parentheses unless it is a single character or a number. */
function grouped(text: string): string {
  const trimmed = text.trim();
  return /^(?:.|\d+)$/u.test(trimmed) ? trimmed : `(${trimmed})`;
}
