/**
 * Which label features the server answers: the one decision behind `context.labelFeatures`.
 *
 * LaTeX Workshop answers Go to Definition, `\ref{` completion and hover of labels itself; with both
 * answering, VS Code shows "Definitions (2)" instead of jumping, and each label twice in the completion list,
 * because the two ranges differ and cannot be merged. It has no Find All References and no rename of a label
 * across files, so those stay QED-Nano's in every mode but `off`.
 */
import type { QedNanoSettings } from './protocol';

/** The label features: each can be turned off where another tool answers the same question. */
export type LabelFeature = 'definition' | 'references' | 'completion' | 'hover' | 'rename';

/** The features LaTeX Workshop answers too. */
const ANSWERED_BY_LATEX_WORKSHOP: ReadonlySet<LabelFeature> = new Set(['definition', 'completion', 'hover']);

/**
 * Whether the server answers `feature`: `on` all, `off` none, `auto` all but those another extension answers
 * when the client says one is there (`latexLabelsElsewhere` of the initialization options).
 */
export function answersLabelFeature(feature: LabelFeature, setting: QedNanoSettings['latex']['labels'], latexLabelsElsewhere: boolean): boolean {
  if (setting === 'off') return false;
  if (setting === 'on' || !latexLabelsElsewhere) return true;
  return !ANSWERED_BY_LATEX_WORKSHOP.has(feature);
}
