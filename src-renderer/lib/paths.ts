/**
 * Path helpers for the web-mode file browser. Paths come from the engine's machine, which may
 * be POSIX or Windows; the renderer never touches the file system itself.
 */

export interface Crumb {
  /** Shown: "/", "home", "C:\\". */
  label: string;
  /** The folder it opens. */
  path: string;
}

/** "/home/ana/slides" -> "/", "home", "ana", "slides", each with the folder it stands for. */
export function breadcrumbs(path: string): Crumb[] {
  const windows = /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
  const sep = windows ? '\\' : '/';
  const parts = path.split(/[\\/]+/).filter((p) => p !== '');
  const crumbs: Crumb[] = [];
  let current: string;
  if (windows && /^[A-Za-z]:/.test(path)) {
    const drive = parts.shift() ?? '';
    current = `${drive}${sep}`;
    crumbs.push({ label: current, path: current });
  } else if (windows) {
    // UNC: \\server\share is the root.
    const server = parts.shift() ?? '';
    const share = parts.shift() ?? '';
    current = `\\\\${server}\\${share}`;
    crumbs.push({ label: current, path: current });
  } else {
    current = '/';
    crumbs.push({ label: '/', path: '/' });
  }
  for (const part of parts) {
    current = current.endsWith(sep) ? `${current}${part}` : `${current}${sep}${part}`;
    crumbs.push({ label: part, path: current });
  }
  return crumbs;
}

/** The folder part of a file path ("/a/b/c.svs" -> "/a/b"), or null for a bare name. */
export function dirnameOf(path: string): string | null {
  const index = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (index < 0) return null;
  if (index === 0) return path[0];
  if (/^[A-Za-z]:[\\/]$/.test(path.slice(0, index + 1)) && index === 2) return path.slice(0, 3);
  return path.slice(0, index);
}
