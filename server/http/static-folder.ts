import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** A file read from a built folder, with its content type. */
export interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

/**
 * Reads `relative` (a URL path, still percent-encoded) from `folder`; null when it is not there, or would lie outside
 * the folder whatever `..` or encoded separators it holds.
 */
export async function readStaticFile(folder: string, relative: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return null;
  }
  const root = folder.endsWith(sep) ? folder : folder + sep;
  const file = resolve(root, decoded);
  if (!file.startsWith(root)) return null;
  try {
    return { body: await readFile(file), contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}
