/**
 * A local stand-in for the two Hugging Face endpoints a model download uses (the real service cannot be
 * reached from these machines), speaking the same HTTP protocol on 127.0.0.1:
 *   GET  /v2/{owner}/{repo}/manifests/{tag}        -> {"ggufFile": {"rfilename", "size"}} or 404
 *   HEAD|GET /{owner}/{repo}/resolve/main/{file}   -> the bytes, with Range / 206 support
 * Knobs for failure tests: cut a response after some bytes (once), slow down the body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepository {
  owner: string;
  repo: string;
  /** Quantization tag (e.g. Q4_K_M) -> file name in the repository. */
  tags: Record<string, string>;
  files: Record<string, Buffer>;
}

export interface FakeHuggingFaceOptions {
  /** Destroy the first download response after this many body bytes (a dropped connection). */
  cutOnceAfterBytes?: number;
  /** Bytes per 10 ms while sending a body (default: as fast as possible). */
  bytesPer10Ms?: number;
  /** Announce this size instead of the real one (a size mismatch). */
  announcedSize?: number;
}

export class FakeHuggingFace {
  readonly requests: { method: string; url: string; range?: string }[] = [];
  private server: Server | undefined;
  private cutDone = false;

  constructor(
    private readonly repositories: FakeRepository[],
    readonly options: FakeHuggingFaceOptions = {},
  ) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    this.requests.push({ method: request.method ?? 'GET', url: url.pathname, ...(request.headers.range ? { range: request.headers.range } : {}) });
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'v2' && parts[3] === 'manifests') {
      const repository = this.find(parts[1]!, parts[2]!);
      const file = repository?.tags[parts[4]!];
      if (!repository || !file) return void response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"manifest unknown"}');
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify({ ggufFile: { rfilename: file, size: repository.files[file]!.length } }));
    }
    if (parts[2] === 'resolve') {
      const repository = this.find(parts[0]!, parts[1]!);
      const body = repository?.files[parts.slice(4).join('/')];
      if (!body) return void response.writeHead(404).end('Entry not found');
      return this.sendFile(request, response, body);
    }
    response.writeHead(404).end();
  }

  private find(owner: string, repo: string): FakeRepository | undefined {
    return this.repositories.find((r) => r.owner === owner && r.repo === repo);
  }

  private async sendFile(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    const size = this.options.announcedSize ?? body.length;
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Number(range[2]) : size - 1;
    const headers = { 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream', etag: '"fake-etag"' };
    if (range) {
      response.writeHead(206, { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}` });
    } else {
      response.writeHead(200, { ...headers, 'content-length': size });
    }
    if (request.method === 'HEAD') return void response.end();
    let sent = 0;
    let position = start;
    const step = this.options.bytesPer10Ms ?? 1 << 20;
    while (position <= end && position < body.length) {
      const chunk = body.subarray(position, Math.min(end + 1, position + step));
      if (this.options.cutOnceAfterBytes !== undefined && !this.cutDone && sent + chunk.length > this.options.cutOnceAfterBytes) {
        this.cutDone = true;
        response.write(chunk.subarray(0, this.options.cutOnceAfterBytes - sent));
        response.destroy(); // the connection drops mid-body
        return;
      }
      if (!response.write(chunk)) await new Promise((r) => response.once('drain', r));
      sent += chunk.length;
      position += chunk.length;
      if (this.options.bytesPer10Ms) await new Promise((r) => setTimeout(r, 10));
      if (response.destroyed) return;
    }
    response.end();
  }
}
