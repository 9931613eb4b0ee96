// How the client finds `mirage-lsp` (the compiled `out/server.js`; `npm test`
// compiles first). Real files in a temporary directory, no mocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const require = createRequire(import.meta.url);
const { findServer } = require('../out/server.js');

function withDir(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'mirage-vscode-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withPath(path, fn) {
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    return fn();
  } finally {
    process.env.PATH = saved;
  }
}

function executable(path) {
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

test('a bare name is looked up on PATH', { skip: process.platform === 'win32' }, () =>
  withDir((dir) => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const server = executable(join(bin, 'mirage-lsp'));
    const lookup = withPath([join(dir, 'empty'), bin].join(delimiter), () => findServer('mirage-lsp', undefined));
    assert.equal(lookup.found, server);
    assert.equal(lookup.tried[0], join(dir, 'empty', 'mirage-lsp'));
  }));

test('a file that is not executable is not taken', { skip: process.platform === 'win32' }, () =>
  withDir((dir) => {
    writeFileSync(join(dir, 'mirage-lsp'), 'not a program');
    const lookup = withPath(dir, () => findServer('mirage-lsp', undefined));
    assert.equal(lookup.found, undefined);
    assert.ok(lookup.tried.includes(join(dir, 'mirage-lsp')));
  }));

test('a relative path is resolved against the workspace folder', { skip: process.platform === 'win32' }, () =>
  withDir((dir) => {
    mkdirSync(join(dir, 'target', 'debug'), { recursive: true });
    const server = executable(join(dir, 'target', 'debug', 'mirage-lsp'));
    assert.equal(findServer('./target/debug/mirage-lsp', dir).found, server);
    assert.equal(findServer('${workspaceFolder}/target/debug/mirage-lsp', dir).found, server);
  }));

test('a missing binary reports every place it looked', () =>
  withDir((dir) => {
    const lookup = withPath(dir, () => findServer('mirage-lsp-missing', undefined));
    assert.equal(lookup.found, undefined);
    assert.ok(lookup.tried.some((p) => p.startsWith(join(dir, 'mirage-lsp-missing'))));
    assert.ok(lookup.tried.some((p) => p.includes(join('.cargo', 'bin'))));
  }));

test('an empty setting means the default name', () =>
  withDir((dir) => {
    const lookup = withPath(dir, () => findServer('', undefined));
    assert.ok(lookup.tried.some((p) => p.endsWith('mirage-lsp')));
  }));
