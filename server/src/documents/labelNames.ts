/**
 * Where label names are written on a line: the names of a `\label{x}`, `\cref{a, b}` or `\hyperref[x]{...}`
 * command with the columns each stands at (what rename edits and what the cursor is on), and the reference
 * argument the cursor is typing in (what completion completes). Pure: a line and columns in, columns out;
 * each scan stays on the line and within the usual bounds.
 */
import { range, type LabelDefinition, type Range, type Reference } from './proofDocument';
import { isLetter, MAX_GROUP_LENGTH, readBraceGroup, readBracketGroup, REFERENCE_COMMANDS } from './tokens';

/** A name as written: the name and the columns it stands between. */
interface WrittenName {
  name: string;
  start: number;
  end: number;
}

/** The names the command starting at column `ch` of `line` writes (`\hyperref[x]` writes `x`). */
function namesWritten(line: string, ch: number): WrittenName[] {
  if (line[ch] !== '\\') return [];
  let at = ch + 1;
  while (at < line.length && isLetter(line.charCodeAt(at))) at++;
  if (line[at] === '*') at++;
  const option = line.slice(ch + 1, at).startsWith('hyperref') ? readBracketGroup(line, at) : undefined;
  const group = option ?? readBraceGroup(line, at);
  if (!group) return [];
  const names: WrittenName[] = [];
  let from = group.end - group.inner.length - 1;
  for (const part of group.inner.split(',')) {
    const start = from + (part.length - part.trimStart().length);
    const name = part.trim();
    if (name !== '') names.push({ name, start, end: start + name.length });
    from += part.length + 1;
  }
  return names;
}

/** Where the name of a label or reference is written (`\cref{a,b}`: its own of the two), given its line's
 * text; undefined when no one argument writes it (a project macro that makes it of several). */
export function writtenRange(item: LabelDefinition | Reference, line: string): Range | undefined {
  if (item.via) return item.via.nameRange;
  const at = item.range.start;
  const written = namesWritten(line, at.character).find((n) => n.name === item.name);
  return written && range(at.line, written.start, at.line, written.end);
}

/** The reference argument the cursor at `character` is in: `\ref{`, `\eqref{`, `\cref{a,` and the others of
 * REFERENCE_COMMANDS, `\hyperref[`; with the part of the name typed so far and the columns of the whole name
 * the cursor is in. */
export function referenceArgumentAt(line: string, character: number): { command: string; typed: string; start: number; end: number } | undefined {
  const separators = '{},[]\\%';
  let start = character;
  while (start > 0 && character - start < MAX_GROUP_LENGTH && !separators.includes(line[start - 1]!)) start--;
  let end = character;
  while (end < line.length && end - character < MAX_GROUP_LENGTH && !separators.includes(line[end]!)) end++;
  let open = start - 1;
  // In a list (`\cref{a, b, `): back to the brace that opens it.
  while (open >= 0 && line[open] === ',' && start - open < MAX_GROUP_LENGTH) {
    open--;
    while (open >= 0 && !'{}[]\\%'.includes(line[open]!) && start - open < MAX_GROUP_LENGTH) open--;
  }
  if (open < 0 || (line[open] !== '{' && line[open] !== '[')) return undefined;
  let nameEnd = open;
  if (line[nameEnd - 1] === '*') nameEnd--;
  let nameStart = nameEnd;
  while (nameStart > 0 && isLetter(line.charCodeAt(nameStart - 1))) nameStart--;
  if (nameStart === 0 || line[nameStart - 1] !== '\\') return undefined;
  const command = line.slice(nameStart, nameEnd);
  if (!REFERENCE_COMMANDS.has(command) || (line[open] === '[') !== (command === 'hyperref')) return undefined;
  return { command, typed: line.slice(start, character).trimStart(), start: start + (line.slice(start, character).length - line.slice(start, character).trimStart().length), end };
}
