/**
 * The model commands: Load Model, Download Model, Choose Model File, Show Setup Information.
 */
import * as vscode from 'vscode';
import { DEFAULT_MODEL, isHuggingFaceUri } from '../../server/src/modelSource';
import type { SetupInfo } from '../../server/src/protocol';
import { SETTINGS_SECTION } from '../../server/src/wireNames';
import type { CommandContext } from './commandContext';

/** Load Model: loads (downloading first if needed); a failure says why and offers the next step. */
export async function loadModel(ctx: CommandContext): Promise<void> {
  try {
    await ctx.prompt.whileUserWaits((async () => (await ctx.client()).loadModel())());
  } catch (error) {
    // The server has already put the reason in qed/status (status bar) and its log.
    const message = error instanceof Error ? error.message : String(error);
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const model = config.get<string>('model', DEFAULT_MODEL);
    const remote = config.get<string>('engine') === 'remote';
    const actions = remote
      ? ['Set API Key…', 'Open Remote Settings', 'Show Setup Information']
      : isHuggingFaceUri(model)
        ? ['Choose Model File…', 'Retry Download', 'Show Setup Information']
        : ['Choose Model File…', 'Show Setup Information'];
    const choice = await vscode.window.showErrorMessage(`QED-Nano: ${message}`, ...actions);
    if (choice === 'Set API Key…') await vscode.commands.executeCommand('qedNano.setApiKey');
    else if (choice === 'Open Remote Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'qedNano.remote');
    else if (choice === 'Choose Model File…') await vscode.commands.executeCommand('qedNano.chooseModelFile');
    else if (choice === 'Retry Download') await loadModel(ctx);
    else if (choice === 'Show Setup Information') await vscode.commands.executeCommand('qedNano.showSetupInfo');
  }
}

/** Download Model: QED-Nano from Hugging Face (asking first when a local file is configured), then loads it. */
export async function downloadModel(ctx: CommandContext): Promise<void> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const current = config.get<string>('model', DEFAULT_MODEL);
  if (!isHuggingFaceUri(current)) {
    const choice = await vscode.window.showInformationMessage(
      `QED-Nano uses the file ${current}. Download QED-Nano (${DEFAULT_MODEL}, about 2.5 GB) and use it instead?`,
      { modal: true },
      'Download',
    );
    if (choice !== 'Download') return;
    await config.update('model', DEFAULT_MODEL, vscode.ConfigurationTarget.Global);
  }
  await loadModel(ctx);
}

/** Choose Model File: a GGUF file from disk becomes `qedNano.model`, then loads. */
export async function chooseModelFile(ctx: CommandContext): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Use this model',
    title: 'Choose a QED-Nano GGUF model file',
    filters: { 'GGUF models': ['gguf'] },
  });
  const file = picked?.[0];
  if (!file) return;
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('model', file.fsPath, vscode.ConfigurationTarget.Global);
  await loadModel(ctx);
}

/** Show Setup Information: `qed/setupInfo` as a Markdown document. */
export async function showSetupInfo(ctx: CommandContext): Promise<void> {
  const info = await (await ctx.client()).setupInfo();
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: formatSetupInfo(info) });
  await vscode.window.showTextDocument(document, { preview: true });
}

/** The setup information as a Markdown report, ready to paste into a bug report. */
/** "evaluations with a draft: 41.2 tokens/s, without: 12.0 tokens/s", each "not measured yet" until it is. */
function draftSpeeds(speeds: { withDraft?: number; without?: number }): string {
  const rate = (value: number | undefined): string => (value === undefined ? 'not measured yet' : `${value.toFixed(1)} tokens/s`);
  return `evaluations with a draft: ${rate(speeds.withDraft)}, without: ${rate(speeds.without)}`;
}

/** "412 confirmed by the model, 37 not (92%); 3.1 tokens gained per evaluation that predicted", or that
 * none were made yet. */
function predictionsLine({ validated, refuted }: { validated: number; refuted: number }, evaluations: number): string {
  const made = validated + refuted;
  if (made === 0) return 'none yet';
  const gained = evaluations > 0 ? `; ${(validated / evaluations).toFixed(1)} tokens gained per evaluation that predicted` : '';
  return `${validated.toLocaleString('en')} confirmed by the model, ${refuted.toLocaleString('en')} not (${Math.round((100 * validated) / made)}%)${gained}`;
}

export function formatSetupInfo(info: SetupInfo): string {
  const bytes = info.model?.sizeBytes;
  const size = bytes === undefined ? 'size unknown' : bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
  const lines = [
    '# QED-Nano setup information',
    '',
    `- Extension/server: ${info.serverVersion}; Node ${info.nodeVersion}; node-llama-cpp ${info.nodeLlamaCppVersion ?? 'unknown'}`,
    `- Platform: ${info.platform}, ${info.cpuCores} CPU cores`,
    `- Model state: ${info.status.state}${info.status.message ? ` — ${info.status.message}` : ''}`,
    `- Model setting: \`${info.model?.setting ?? ''}\``,
    `- Model file: ${info.model?.path ? `\`${info.model.path}\`` : 'not resolved yet'} (${size}${info.model?.architecture ? `, ${info.model.architecture}` : ''})`,
    `- Device: ${info.status.device ?? 'not loaded'}${info.status.gpuUnusedReason ? ` (no GPU: ${info.status.gpuUnusedReason})` : ''}`,
  ];
  if (info.remote) {
    lines.push(`- Remote engine: ${info.remote.model} at ${info.remote.endpoints.map((e) => `\`${e}\``).join(', ') || 'no endpoint'}; API key ${info.remote.apiKey}`);
  }
  if (info.loaded) {
    lines.push(
      `- Loaded with ${info.loaded.threads} CPU thread${info.loaded.threads === 1 ? '' : 's'}, ${info.loaded.contextSize}-token context × ${info.loaded.sequences}, ${info.loaded.gpuLayers} GPU layers, in ${info.loaded.loadMs} ms`,
      `- GPU devices: ${info.loaded.gpuDeviceNames.join(', ') || 'none'}`,
      `- Predicted tokens since load (looked up in the text each reply holds, and drafted): ${predictionsLine(info.loaded.tokenPredictions, info.loaded.predictionEvaluations)}`,
      `- Tokens read and generated since load (every sequence): ${info.loaded.meteredTokens}`,
    );
    const cost = info.loaded.evaluationCost;
    if (cost) {
      lines.push(
        `- Evaluation cost (measured): ${cost.singleMs.toFixed(1)} ms for one token; a draft of predicted tokens adds ${cost.perDraftMs.toFixed(2)} ms, ` +
          `and ${cost.perTokenMs.toFixed(2)} ms for each token in it; a predicted token pays when it is confirmed more than ${Math.round(100 * cost.breakEven)}% of the time (the predictor drafts only where the reply's record says so)`,
      );
    }
    const draft = info.loaded.draftModel;
    if (draft) {
      lines.push(
        `- Draft model (qedNano.draftModel): ${draft.name} (\`${draft.path}\`), ${draft.threads} thread${draft.threads === 1 ? '' : 's'} of its own; ` +
          (draft.drafted === 0
            ? 'no drafts yet'
            : `${draft.accepted.toLocaleString('en')} of ${draft.drafted.toLocaleString('en')} drafted tokens confirmed (${Math.round((100 * draft.accepted) / draft.drafted)}%), ${(draft.accepted / Math.max(1, draft.evaluations)).toFixed(1)} gained per evaluation that used a draft, ${draft.evaluatedTokens.toLocaleString('en')} tokens evaluated by the draft model; ${draftSpeeds(draft.tokensPerSecond)}`),
      );
    }
  }
  if (info.status.tokensPerSecond !== undefined) lines.push(`- Last speed: ${info.status.tokensPerSecond.toFixed(1)} tokens/s`);
  lines.push(`- Server memory: ${(info.memory.heapUsedBytes / 1e6).toFixed(1)} MB JavaScript heap, ${(info.memory.rssBytes / 1e6).toFixed(0)} MB resident`);
  lines.push(`- Storage: \`${info.storagePath}\``, `- Last error: ${info.lastError ?? 'none'}`, '', '## Settings', '', '```json', JSON.stringify(info.settings, null, 2), '```', '');
  return lines.join('\n');
}
