/**
 * The recognition fixtures (test/fixtures/recognition, issue 31): one small file per format people write
 * problems and solutions in, with what the analysis must find in it. The unit, command-line and LSP tests
 * share them.
 */
import { join } from 'node:path';
import { REPO_ROOT } from './fixtures';

export const RECOGNITION_DIR = join(REPO_ROOT, 'test', 'fixtures', 'recognition');

/** Per fixture: each statement's title in order, and whether its solution is attached. */
export const RECOGNITION_EXPECTATIONS: Record<string, [title: string, solved: boolean][]> = {
  '01-latex-sections.tex': [['Problem 1', true], ['Question 2', true], ['Problem 3', true]],
  '02-converted-pdf-numbered.md': [['5.1', true], ['5.2', true]],
  '02-paragraph-labels.md': [['A1', true], ['A2', true], ['Lemma 1', true]],
  '03-markdown-solution-headings.md': [['Problem 1', true], ['Problem 2', true]],
  '03-markdown-pandoc-html-solution.md': [['LV.AMO.2022B.5.1', true], ['LV.AMO.2022B.5.2', true]],
  '03-markdown-parts.md': [['Problem 3, Part A', true], ['Problem 3, Part B', true]],
  '03-markdown-identifier-heading.md': [['IMO.SHL.2019.A1', true], ['IMO.SHL.2019.A2', true]],
  '04-markdown-committee-heading.md': [['Problem A1', true]],
  '05-latex-solution-environments.tex': [['Problem', true], ['Problem', true], ['Exercise', true], ['Problem', true]],
  '06-latex-bare-solution.tex': [['Problem (4.5)', true], ['Problem (4.7)', true], ['Problem (4.8)', true]],
  '08-latex-bold-labels.tex': [['Problem 1', true], ['Problem 2', true]],
  '09-latex-putnam-items.tex': [['A1', true], ['A2', true], ['B1', true]],
  '09-latex-putnam-problems.tex': [['A1', true], ['A2', true]],
};
