// A static file server on 127.0.0.1 for the preview page, so it loads over http like a webview
// loads its resources, and the page's CSP can say 'self'.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/** A running server: its base URL and how to stop it. */
export interface StaticServer {
  /** Base URL without a trailing slash. */
  url: string;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Serves files under `root` (and nothing outside it) on an ephemeral port. */
export async function serve(root: string): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const path = resolve(join(base, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(path).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}
