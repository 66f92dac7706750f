/**
 * A local stand-in for the Hugging Face hub, on 127.0.0.1, with the hub's URL
 * layout and headers: `/{repo}/resolve/{revision}/{path}` answers with
 * X-Repo-Commit and ETag (git blob sha1) for small files, and with a 302 to
 * `/lfs/<sha256>` carrying X-Linked-Etag / X-Linked-Size for LFS files, as the
 * real hub redirects to its storage. Ranges are honoured (or, by a switch, ignored); switches drop the
 * connection or stall mid-body, corrupt the bytes, or require a token.
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  path: string;
  content: Buffer;
  /** Served like a Git LFS file: sha256 etag and a redirect to the storage URL. */
  lfs: boolean;
}

export interface RecordedRequest {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

/** The git blob sha1 of `content`, which the hub sends as the ETag of non-LFS files. */
export function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

export function sha256Hex(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Deterministic pseudo-random bytes (xorshift32), so tests serve the same "weights" every run. */
export function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export class FakeHub {
  readonly requests: RecordedRequest[] = [];
  /** When set, a body response for LFS storage is cut after this many bytes (once), then the switch resets. */
  dropAfterBytes: number | undefined;
  /** When set, a body response for LFS storage sends this many bytes and then stalls (once), the socket left open. */
  stallAfterBytes: number | undefined;
  /** Answer Range requests with the whole body (200), as servers without range support do. */
  ignoreRange = false;
  /** Serve LFS bodies with one byte flipped (the announced sha256 stays the real one). */
  corrupt = false;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token: string | undefined;
  private server: Server | undefined;
  private readonly byPath = new Map<string, ServedFile>();
  private readonly bySha = new Map<string, ServedFile>();

  constructor(
    readonly repo: string,
    readonly commit: string,
    files: ServedFile[],
  ) {
    for (const f of files) {
      this.byPath.set(f.path, f);
      if (f.lfs) this.bySha.set(sha256Hex(f.content), f);
    }
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error('FakeHub is not listening');
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({
      method: req.method ?? 'GET',
      url: url.pathname,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401, { 'x-error-code': 'GatedRepo', 'content-type': 'text/plain' }).end('Access to this model is restricted.');
      return;
    }
    const lfs = /^\/lfs\/([0-9a-f]{64})$/.exec(url.pathname);
    if (lfs) return this.serveBody(req, res, this.bySha.get(lfs[1]), true);
    const prefix = `/${this.repo}/resolve/`;
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end('Repository not found');
      return;
    }
    const rest = url.pathname.slice(prefix.length);
    const slash = rest.indexOf('/');
    const revision = decodeURIComponent(rest.slice(0, slash));
    const path = rest
      .slice(slash + 1)
      .split('/')
      .map(decodeURIComponent)
      .join('/');
    if (revision !== 'main' && revision !== this.commit) {
      res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end('Invalid rev id');
      return;
    }
    const file = this.byPath.get(path);
    if (!file) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': this.commit }).end('Entry not found');
      return;
    }
    if (file.lfs) {
      const sha = sha256Hex(file.content);
      res
        .writeHead(302, {
          location: `${this.url}/lfs/${sha}`,
          'x-repo-commit': this.commit,
          'x-linked-etag': `"${sha}"`,
          'x-linked-size': String(file.content.length),
          etag: `"${gitBlobSha1(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\n`))}"`,
        })
        .end();
      return;
    }
    res.setHeader('x-repo-commit', this.commit);
    res.setHeader('etag', `"${gitBlobSha1(file.content)}"`);
    this.serveBody(req, res, file, false);
  }

  private serveBody(req: IncomingMessage, res: ServerResponse, file: ServedFile | undefined, storage: boolean): void {
    if (!file) {
      res.writeHead(404).end('no such object');
      return;
    }
    let body = file.content;
    if (storage && this.corrupt) {
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    let start = 0;
    const m = this.ignoreRange ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': String(body.length - start),
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, { 'content-length': String(body.length), 'accept-ranges': 'bytes' });
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const part = body.subarray(start);
    if (storage && this.dropAfterBytes !== undefined) {
      const cut = this.dropAfterBytes;
      this.dropAfterBytes = undefined;
      res.write(part.subarray(0, cut), () => res.socket?.destroy());
      return;
    }
    if (storage && this.stallAfterBytes !== undefined) {
      const cut = this.stallAfterBytes;
      this.stallAfterBytes = undefined;
      res.write(part.subarray(0, cut));
      return;
    }
    res.end(part);
  }
}
