/**
 * Consent before document text leaves the machine: the first time the remote engine would send a
 * workspace's text to an endpoint, the user is asked (`window/showMessageRequest`, which every LSP client
 * shows); an Allow is remembered for that workspace in the server's storage, a refusal for this session
 * (asking again on the next explicit load). Plain http to another machine is said in the question.
 */
import { writeFileSync } from 'node:fs';
import type { RemoteEndpointInfo } from '../model/modelManager';
import { readJsonFile, workspaceFile } from './workspaceStorage';

export const ALLOW = 'Allow';
export const DO_NOT_ALLOW = "Don't Allow";

export class EndpointConsent {
  private readonly file: string;
  private readonly declined = new Set<string>();

  /** `ask` shows the question with the actions and resolves with the one chosen (undefined: dismissed). */
  constructor(
    storagePath: string,
    workspace: string | undefined,
    private readonly ask: (message: string, actions: string[]) => Promise<string | undefined>,
  ) {
    this.file = workspaceFile(storagePath, 'remote-endpoints-allowed', workspace);
  }

  async allowed(endpoint: RemoteEndpointInfo, askAgain: boolean): Promise<boolean> {
    if (this.saved().includes(endpoint.url)) return true;
    if (this.declined.has(endpoint.url) && !askAgain) return false;
    const plain = endpoint.insecure ? ' It is plain http to another machine: anyone on the network between can read the text.' : '';
    const choice = await this.ask(
      `QED-Nano: send the text of the documents you work on in this workspace to ${endpoint.host} (the remote engine, ${endpoint.url})?${plain}`,
      [ALLOW, DO_NOT_ALLOW],
    );
    if (choice !== ALLOW) {
      this.declined.add(endpoint.url);
      return false;
    }
    this.declined.delete(endpoint.url);
    writeFileSync(this.file, JSON.stringify([...this.saved(), endpoint.url]));
    return true;
  }

  private saved(): string[] {
    const value = readJsonFile(this.file);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  }
}
