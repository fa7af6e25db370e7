/**
 * What the refinement controller remembers, with no VS Code in it (unit-tested in
 * test/unit/refinement-state.test.ts): the refinement the view shows (what Apply, Discard, Copy and Retry
 * use) and the one Apply put into a document, followed until Undo takes it out.
 */
import type { PanelActions } from '../../media/src/panelProtocol';
import type { RefineParams, RefineResult } from '../../server/src/protocol';

/** One refine request and its answer. */
export interface Refinement {
  readonly params: RefineParams;
  result?: RefineResult;
}

export class RefinementState {
  private shown: Refinement | undefined;
  /** The text Apply wrote into `uri`: while it is there, the view says "Applied". */
  private applied: { uri: string; text: string } | undefined;

  /** A refinement begins: the view shows it from now on; an earlier Apply is no longer followed. */
  begin(params: RefineParams): Refinement {
    const refinement: Refinement = { params };
    this.shown = refinement;
    this.applied = undefined;
    return refinement;
  }

  finished(refinement: Refinement, result: RefineResult): void {
    refinement.result = result;
  }

  /** The refinement shown, answered or not. */
  current(): Refinement | undefined {
    return this.shown;
  }

  /** Apply wrote the refinement shown into `uri`: nothing is shown to apply any more; Undo is followed. */
  appliedTo(uri: string, text: string): void {
    this.shown = undefined;
    this.applied = { uri, text: text.trim() };
  }

  /** Discard: whether there was a refinement shown to drop. */
  discard(): boolean {
    const had = this.shown !== undefined;
    this.shown = undefined;
    return had;
  }

  /** The document at `uri` now reads `text`: true once, when Undo took the applied text out. */
  documentChanged(uri: string, text: string): boolean {
    const applied = this.applied;
    if (!applied || uri !== applied.uri || text.includes(applied.text)) return false;
    this.applied = undefined;
    return true;
  }

  actions(): PanelActions {
    return { retry: this.shown !== undefined, continue: false, insert: this.shown?.result ? 'ready' : 'none' };
  }
}
