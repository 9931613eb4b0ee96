// Finding the `mirage-lsp` binary from the `mirage.server.path` setting.
// Kept free of the `vscode` module so the lookup rules read on their own.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Where the server binary was looked for, for the "not found" message. */
export interface Lookup {
  /** The binary to start, when one was found. */
  found?: string;
  /** Every path that was tried, in order. */
  tried: string[];
}

function isExecutableFile(candidate: string): boolean {
  try {
    if (!fs.statSync(candidate).isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(candidate, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `~` and `${workspaceFolder}` as users write them in settings. */
function expand(configured: string, workspaceFolder: string | undefined): string {
  let value = configured.trim();
  if (value === '~' || value.startsWith('~/') || value.startsWith('~\\')) {
    value = path.join(os.homedir(), value.slice(1));
  }
  if (workspaceFolder) {
    value = value.split('${workspaceFolder}').join(workspaceFolder);
  }
  return value;
}

function withWindowsExtensions(candidate: string): string[] {
  if (process.platform !== 'win32' || path.extname(candidate) !== '') return [candidate];
  const exts = (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter((e) => e !== '');
  return [candidate, ...exts.map((ext) => candidate + ext.toLowerCase())];
}

/**
 * Resolves the configured server path. A value with a directory separator is
 * a path (relative ones against the workspace folder); a bare name is looked
 * up on `PATH` and then in `~/.cargo/bin`, where `cargo install` puts it and
 * which an editor started from a desktop launcher often lacks on its `PATH`.
 */
export function findServer(configured: string, workspaceFolder: string | undefined): Lookup {
  const value = expand(configured === '' ? 'mirage-lsp' : configured, workspaceFolder);
  const tried: string[] = [];
  const check = (candidate: string): string | undefined => {
    for (const c of withWindowsExtensions(candidate)) {
      tried.push(c);
      if (isExecutableFile(c)) return c;
    }
    return undefined;
  };

  if (value.includes('/') || value.includes('\\')) {
    const absolute = path.isAbsolute(value) || !workspaceFolder ? path.resolve(value) : path.resolve(workspaceFolder, value);
    return { found: check(absolute), tried };
  }

  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  dirs.push(path.join(os.homedir(), '.cargo', 'bin'));
  for (const dir of dirs) {
    const found = check(path.join(dir, value));
    if (found) return { found, tried };
  }
  return { tried };
}
