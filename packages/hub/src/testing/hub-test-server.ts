import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';

/** One revision of a test repository: the commit it points at and the folder with its files. */
export interface HubTestRevision {
  /** A 40-hex-digit commit sha. */
  commit: string;
  /** The folder whose files (recursively) are the repository's files at that commit. */
  dir: string;
}

/** A repository the test server serves. */
export interface HubTestRepo {
  /** Revisions by name (`main`, tags); each is also reachable by its commit sha. */
  revisions: Record<string, HubTestRevision>;
  /** When set, requests must carry `Authorization: Bearer <token>` (401 without, 403 with another). */
  token?: string;
}

/** Misbehaviours to test a client against; each is consumed as it fires. */
export interface HubTestFaults {
  /** Cut the connection after sending this many body bytes of `path`, `times` times. */
  cut?: { path: string; afterBytes: number; times: number }[];
  /** Serve `path` with one byte changed (its listed sha256 stays that of the real file). */
  corrupt?: string[];
  /** Ignore `Range` headers: always answer 200 with the whole file. */
  ignoreRange?: boolean;
  /** Answer `status` for `path` (or for listings when `path` is `"api"`), `times` times. */
  status?: { path: string; status: number; times: number }[];
  /**
   * Answer this instead of the commit as the revision API's `sha` (a hostile
   * or broken hub: `"../../../../tmp/x"`, an absolute path, a number). Like
   * such a hub, the server then also serves the last listed revision's files
   * at `/{repo}/resolve/{sha}/{path}` as a client builds it (after URL
   * normalization), so a client that trusts the sha downloads them.
   */
  sha?: unknown;
  /** Never answer requests for these paths (`"api"`: listings): read the request, send nothing, keep the connection open. */
  hang?: string[];
  /** Send the headers and the first `afterBytes` bytes of `path`, then nothing more (the connection stays open), `times` times. */
  stall?: { path: string; afterBytes: number; times: number }[];
  /**
   * Answer `path` (or listings, `"api"`) with `302` to `location` (a URL or
   * a path), `times` times; a function gets the number of redirects this
   * fault already sent, for an endless chain of new URLs.
   */
  redirect?: { path: string; location: string | ((hop: number) => string); times: number }[];
  /** List these files with no size, blob id or LFS record, in the revision and the tree API alike. */
  bare?: string[];
}

/** Options of {@link startHubTestServer}. */
export interface HubTestServerOptions {
  /** Repositories by id (`owner/name`). */
  repos: Record<string, HubTestRepo>;
  /** Which files are stored with LFS (listed with an sha256, served through a redirect). Default: weights (`*.safetensors`, `*.onnx`, `*.onnx_data*`, `*.bin`, `*.gguf`). */
  isLfs?: (path: string) => boolean;
  /** Leave sizes out of the revision API (some mirrors do), so clients must use the tree API. */
  omitSizes?: boolean;
  /** Entries per page of the tree API (pages linked with `Link: rel="next"`). Default 1000. */
  treePageSize?: number;
  /** Faults to inject; the object is live, tests may change it between requests. */
  faults?: HubTestFaults;
}

/** A request the server received. */
export interface HubTestRequest {
  /** The HTTP method. */
  method: string;
  /** The path and query. */
  url: string;
  /** The request headers (lowercase names). */
  headers: IncomingMessage['headers'];
}

/** A running test hub. */
export interface HubTestServer {
  /** Its base URL (`http://127.0.0.1:<port>`): pass as `endpoint` or `HF_ENDPOINT`. */
  endpoint: string;
  /** Every request, in order. */
  requests: HubTestRequest[];
  /** The live faults. */
  faults: HubTestFaults;
  /** The listed metadata of a served file. */
  fileInfo(
    repo: string,
    revision: string,
    path: string,
  ): { size: number; sha256: string; gitBlobId: string; lfs: boolean };
  /** Stops the server. */
  close(): Promise<void>;
}

interface ServedFile {
  path: string;
  content: Buffer;
  sha256: string;
  gitBlobId: string;
  lfs: boolean;
}

const defaultIsLfs = (path: string) => /\.(safetensors|onnx|bin|gguf)$|\.onnx_data/.test(path);

/**
 * Starts an HTTP server on 127.0.0.1 (a free port) that serves folders in the
 * Hugging Face hub's URL layout, for tests of download code without a network:
 * the revision API (`/api/models/{repo}/revision/{rev}[?blobs=true]`), the tree
 * API (`/api/models/{repo}/tree/{rev}?recursive=true`, paged), and
 * `/{repo}/resolve/{rev}/{path}` (LFS files redirect to `/cdn/<sha256>`) with
 * `ETag`, `X-Repo-Commit`, `X-Linked-Etag`, `Range`/`If-Range`, 206 and 416.
 * Errors carry the hub's `X-Error-Code` (`RepoNotFound`, `RevisionNotFound`,
 * `EntryNotFound`). Files are read into memory once, at start: keep them small.
 */
export async function startHubTestServer(options: HubTestServerOptions): Promise<HubTestServer> {
  const isLfs = options.isLfs ?? defaultIsLfs;
  const faults: HubTestFaults = options.faults ?? {};
  const requests: HubTestRequest[] = [];
  const revisions = new Map<string, Map<string, { commit: string; files: Map<string, ServedFile> }>>();
  const bySha = new Map<string, ServedFile>();
  for (const [repo, spec] of Object.entries(options.repos)) {
    const map = new Map<string, { commit: string; files: Map<string, ServedFile> }>();
    for (const [name, revision] of Object.entries(spec.revisions)) {
      const files = new Map<string, ServedFile>();
      for (const file of listFiles(revision.dir)) {
        const content = readFileSync(join(revision.dir, file));
        const served = {
          path: file,
          content,
          sha256: createHash('sha256').update(content).digest('hex'),
          gitBlobId: createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex'),
          lfs: isLfs(file),
        };
        files.set(file, served);
        if (served.lfs) bySha.set(served.sha256, served);
      }
      map.set(name, { commit: revision.commit, files });
      map.set(revision.commit, { commit: revision.commit, files });
    }
    revisions.set(repo, map);
  }

  const takeStatus = (path: string) => {
    const fault = faults.status?.find((f) => f.path === path && f.times > 0);
    if (!fault) return undefined;
    fault.times--;
    return fault.status;
  };

  const hops = new WeakMap<object, number>();
  const takeRedirect = (path: string) => {
    const fault = faults.redirect?.find((f) => f.path === path && f.times > 0);
    if (!fault) return undefined;
    fault.times--;
    const hop = hops.get(fault) ?? 0;
    hops.set(fault, hop + 1);
    return typeof fault.location === 'function' ? fault.location(hop) : fault.location;
  };
  /** Answers a fault that replaces the normal answer (hang, redirect); true when one fired. */
  const misbehave = (res: ServerResponse, path: string) => {
    if (faults.hang?.includes(path)) return true;
    const location = takeRedirect(path);
    if (location === undefined) return false;
    res.writeHead(302, { location });
    res.end();
    return true;
  };
  const isBare = (path: string) => faults.bare?.includes(path) ?? false;

  const fail = (res: ServerResponse, status: number, code?: string, message?: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(code ? { 'x-error-code': code } : {}),
      ...(message ? { 'x-error-message': message } : {}),
    });
    res.end(JSON.stringify({ error: message ?? code ?? `HTTP ${status}` }));
  };

  /** Checks auth and finds the revision; answers the error itself and returns undefined when it fails. */
  const lookup = (req: IncomingMessage, res: ServerResponse, repo: string, revision: string) => {
    const spec = options.repos[repo];
    if (!spec) return void fail(res, 404, 'RepoNotFound', 'Repository not found');
    if (spec.token) {
      const auth = req.headers.authorization;
      if (!auth) return void fail(res, 401, undefined, 'Invalid username or password.');
      if (auth !== `Bearer ${spec.token}`)
        return void fail(res, 403, 'GatedRepo', 'Access to this model is restricted.');
    }
    const found = revisions.get(repo)?.get(revision);
    if (!found) return void fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    return found;
  };

  const serveBytes = (req: IncomingMessage, res: ServerResponse, file: ServedFile, headers: Record<string, string>) => {
    let content = file.content;
    if (faults.corrupt?.includes(file.path)) {
      content = Buffer.from(content);
      const middle = content.length >> 1;
      content[middle] = content[middle]! ^ 0xff;
    }
    const size = content.length;
    const etag = headers.etag!;
    let start = 0;
    const range = req.headers.range?.match(/^bytes=(\d+)-$/);
    const ifRange = req.headers['if-range'];
    if (range && !faults.ignoreRange && (!ifRange || ifRange === etag)) {
      start = Number(range[1]);
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}`, ...headers });
        res.end();
        return;
      }
      res.writeHead(206, {
        ...headers,
        'accept-ranges': 'bytes',
        'content-length': String(size - start),
        'content-range': `bytes ${start}-${size - 1}/${size}`,
      });
    } else {
      res.writeHead(200, { ...headers, 'accept-ranges': 'bytes', 'content-length': String(size) });
    }
    const body = content.subarray(start);
    const stall = faults.stall?.find((f) => f.path === file.path && f.times > 0);
    if (stall) {
      stall.times--;
      res.flushHeaders();
      res.write(body.subarray(0, stall.afterBytes));
      return;
    }
    const cut = faults.cut?.find((f) => f.path === file.path && f.times > 0);
    if (cut) {
      cut.times--;
      res.flushHeaders();
      // Closed a moment later: a fetch body stream that errors drops the chunks it has queued but not yet handed out.
      res.write(body.subarray(0, cut.afterBytes), () => setTimeout(() => res.socket?.destroy(), 300));
      return;
    }
    res.end(body);
  };

  let lastListed: { repo: string; files: Map<string, ServedFile> } | undefined;
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);

    if (typeof faults.sha === 'string' && lastListed) {
      const prefix = new URL(`/${lastListed.repo}/resolve/${faults.sha}/`, 'http://127.0.0.1').pathname;
      const file = url.pathname.startsWith(prefix)
        ? lastListed.files.get(decodeURIComponent(url.pathname.slice(prefix.length)))
        : undefined;
      if (file) {
        if (file.lfs) {
          res.writeHead(302, { location: `/cdn/${file.sha256}` });
          return res.end();
        }
        return serveBytes(req, res, file, { etag: `"${file.gitBlobId}"` });
      }
    }

    if (parts[0] === 'api' && parts[1] === 'models') {
      if (misbehave(res, 'api')) return;
      const status = takeStatus('api');
      if (status) return fail(res, status);
      const repo = `${parts[2]}/${parts[3]}`;
      const found = lookup(req, res, repo, parts[5] ?? '');
      if (!found) return;
      const files = [...found.files.values()];
      if (parts[4] === 'revision') {
        lastListed = { repo, files: found.files };
        const blobs = url.searchParams.get('blobs') === 'true' && !options.omitSizes;
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            id: repo,
            sha: 'sha' in faults ? faults.sha : found.commit,
            siblings: files.map((file) => ({
              rfilename: file.path,
              ...(blobs && !isBare(file.path)
                ? {
                    size: file.content.length,
                    blobId: file.lfs ? createHash('sha1').update(file.path).digest('hex') : file.gitBlobId,
                    ...(file.lfs ? { lfs: { sha256: file.sha256, size: file.content.length, pointerSize: 134 } } : {}),
                  }
                : {}),
            })),
          }),
        );
      }
      if (parts[4] === 'tree') {
        const pageSize = options.treePageSize ?? 1000;
        const cursor = Number(url.searchParams.get('cursor') ?? 0);
        const page = files.slice(cursor, cursor + pageSize);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (cursor + pageSize < files.length) {
          headers.link = `<${url.pathname}?recursive=true&cursor=${cursor + pageSize}>; rel="next"`;
        }
        res.writeHead(200, headers);
        return res.end(
          JSON.stringify(
            page.map((file) =>
              isBare(file.path)
                ? { type: 'file', path: file.path }
                : {
                    type: 'file',
                    path: file.path,
                    size: file.lfs ? 134 : file.content.length,
                    oid: file.lfs ? createHash('sha1').update(file.path).digest('hex') : file.gitBlobId,
                    ...(file.lfs ? { lfs: { oid: file.sha256, size: file.content.length, pointerSize: 134 } } : {}),
                  },
            ),
          ),
        );
      }
      return fail(res, 404);
    }

    if (parts[0] === 'cdn') {
      const file = bySha.get(parts[1] ?? '');
      if (!file) return fail(res, 404);
      return serveBytes(req, res, file, { etag: `"cdn-${file.sha256.slice(0, 16)}"` });
    }

    if (parts[2] === 'resolve') {
      const repo = `${parts[0]}/${parts[1]}`;
      const found = lookup(req, res, repo, parts[3] ?? '');
      if (!found) return;
      const path = parts.slice(4).join('/');
      const file = found.files.get(path);
      if (!file) return fail(res, 404, 'EntryNotFound', `${path} does not exist`);
      if (misbehave(res, path)) return;
      const status = takeStatus(path);
      if (status) return fail(res, status);
      const headers = { 'x-repo-commit': found.commit };
      if (file.lfs) {
        res.writeHead(302, {
          ...headers,
          location: `/cdn/${file.sha256}`,
          'x-linked-etag': `"${file.sha256}"`,
          'x-linked-size': String(file.content.length),
        });
        return res.end();
      }
      return serveBytes(req, res, file, { ...headers, etag: `"${file.gitBlobId}"` });
    }
    fail(res, 404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    faults,
    fileInfo(repo, revision, path) {
      const file = revisions.get(repo)?.get(revision)?.files.get(path);
      if (!file) throw new Error(`the test hub has no ${path} in ${repo}@${revision}`);
      return { size: file.content.length, sha256: file.sha256, gitBlobId: file.gitBlobId, lfs: file.lfs };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function listFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(root, full));
    else out.push(relative(root, full).split(sep).join('/'));
  }
  return out;
}
