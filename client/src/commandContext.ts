/**
 * The one context every command runs with, made once at activation (extension.ts) and handed to each
 * command of the table in commands.ts. It lives in its own file so that the command modules
 * (critiqueCommands.ts, modelCommands.ts, apiKey.ts) and the table that lists them both depend on it, not
 * on each other.
 */
import type * as vscode from 'vscode';
import type { ModelStatus } from '../../server/src/protocol';
import type { ChatController } from './chatController';
import type { QedNanoClient } from './languageClient';
import type { MissingModelPrompt } from './missingModelPrompt';
import type { ProofController } from './proofController';
import type { ProofView } from './proofView';
import type { RefinementController } from './refinementController';

/** What every command works with, made once at activation. */
export interface CommandContext {
  extension: vscode.ExtensionContext;
  client(): Promise<QedNanoClient>;
  output: vscode.LogOutputChannel;
  proofView: ProofView;
  proofs: ProofController;
  refinements: RefinementController;
  chat: ChatController;
  prompt: MissingModelPrompt;
  /** The model's status as the server last reported it. */
  modelStatus(): ModelStatus | undefined;
}
