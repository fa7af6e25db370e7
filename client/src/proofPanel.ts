/** The side panel's Proof view: the webview host with the proof panel's page (media/src/panel.ts). */
import type * as vscode from 'vscode';
import { PANEL_BODY } from '../../media/src/panelMarkup';
import type { FromPanel, ToPanel } from '../../media/src/panelProtocol';
import { WebviewHost } from './webviewHost';

export const PROOF_VIEW_ID = 'qedNano.proofView';

export class ProofPanel extends WebviewHost<ToPanel, FromPanel> {
  constructor(extensionUri: vscode.Uri, onMessage: (message: FromPanel) => void) {
    super(extensionUri, { id: PROOF_VIEW_ID, title: 'QED-Nano proof', script: 'panel.js', body: PANEL_BODY }, (message) => {
      if (message.type !== 'ready') onMessage(message);
    });
  }
}
