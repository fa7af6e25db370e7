/**
 * Consent before document text leaves the machine: the first time the remote engine would send a
 * workspace's text to an endpoint, the user is asked (`window/showMessageRequest`, which every LSP client
 * shows); an Allow is remembered for that workspace in the server's storage (jsonFile.ts), a refusal for
 * this session (asking again on the next explicit load). Plain http to another machine is said in the
 * question. When the storage cannot be used, an Allow lasts for this session and the problem is reported.
 */
import { JsonFile, withStorage } from './jsonFile';
import { workspaceFile, type OnStorageProblem } from './workspaceFiles';

/** An endpoint the remote engine would send document text to (what the question names). */
export interface RemoteEndpointInfo {
  url: string;
  host: string;
  /** Plain http to a host that is not this machine: anyone on the way can read the text. */
  insecure: boolean;
}

export const ALLOW = 'Allow';
export const DO_NOT_ALLOW = "Don't Allow";

export class EndpointConsent {
  private readonly file: JsonFile<string>;
  private readonly declined = new Set<string>();
  /** Allowed in this session (whether or not the storage took it). */
  private readonly allowedNow = new Set<string>();

  /** `ask` shows the question with the actions and resolves with the one chosen (undefined: dismissed). */
  constructor(
    storagePath: string,
    workspace: string | undefined,
    private readonly ask: (message: string, actions: string[]) => Promise<string | undefined>,
    log: (message: string) => void,
    private readonly onProblem: OnStorageProblem,
  ) {
    this.file = new JsonFile(workspaceFile(storagePath, 'remote-endpoints-allowed', workspace), (v) => (typeof v === 'string' ? v : undefined), log);
  }

  async allowed(endpoint: RemoteEndpointInfo, askAgain: boolean): Promise<boolean> {
    if (this.allowedNow.has(endpoint.url) || this.saved().includes(endpoint.url)) return true;
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
    this.allowedNow.add(endpoint.url);
    withStorage(() => this.file.update((allowed) => [...new Set([...allowed, endpoint.url])]), this.onProblem);
    return true;
  }

  private saved(): string[] {
    return withStorage(() => this.file.read(), this.onProblem) ?? [];
  }
}
