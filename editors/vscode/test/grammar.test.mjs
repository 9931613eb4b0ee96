// The TextMate grammar, run by vscode-textmate as VS Code runs it:
// snapshot tests over every `.mirage` file of the repository's examples and
// standard library and over the fixtures, plus targeted assertions.
//
// `UPDATE_SNAPSHOTS=1 npm test` rewrites the snapshots; review the diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { extensionRoot, finalState, repoRoot, scopesAt, snapshot, splitLines, tokenize } from './tokenize.mjs';

const snapshotDir = join(extensionRoot, 'test', 'snapshots');
const update = process.env.UPDATE_SNAPSHOTS === '1';

function mirageFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return mirageFiles(path);
      return entry.name.endsWith('.mirage') ? [path] : [];
    })
    .sort();
}

const projectFiles = [...mirageFiles(join(repoRoot, 'examples')), ...mirageFiles(join(repoRoot, 'stdlib'))];
const fixtureFiles = mirageFiles(join(extensionRoot, 'test', 'fixtures'));

function snapshotName(path) {
  const base = path.startsWith(extensionRoot + sep) ? extensionRoot : repoRoot;
  return relative(base, path).split(sep).join('__') + '.snap';
}

test('the repository has example and standard-library files to check', () => {
  assert.ok(projectFiles.some((p) => p.includes(`${sep}examples${sep}`)), 'no examples found');
  assert.ok(projectFiles.some((p) => p.includes(`${sep}stdlib${sep}`)), 'no stdlib found');
});

for (const file of [...projectFiles, ...fixtureFiles]) {
  const name = snapshotName(file);
  test(`snapshot ${name}`, async () => {
    const actual = await snapshot(readFileSync(file, 'utf8'));
    const path = join(snapshotDir, name);
    if (update) {
      mkdirSync(snapshotDir, { recursive: true });
      writeFileSync(path, actual);
      return;
    }
    assert.ok(existsSync(path), `missing snapshot ${name}; run UPDATE_SNAPSHOTS=1 npm test`);
    assert.equal(actual, readFileSync(path, 'utf8'), `scopes of ${name} changed`);
  });
}

test('every snapshot belongs to a file that still exists', () => {
  const expected = new Set([...projectFiles, ...fixtureFiles].map(snapshotName));
  const stale = readdirSync(snapshotDir).filter((f) => f.endsWith('.snap') && !expected.has(f));
  assert.deepEqual(stale, [], 'stale snapshots; delete them');
});

for (const file of projectFiles) {
  test(`no invalid scopes in ${relative(repoRoot, file)}`, async () => {
    const tokens = await tokenize(readFileSync(file, 'utf8'));
    const bad = tokens.filter((t) => t.scopes.some((s) => s.startsWith('invalid.')));
    assert.deepEqual(bad, []);
  });
}

/** The scopes at the first occurrence of `needle` (plus `offset`) in `text`. */
async function scopesOf(text, needle, offset = 0) {
  const tokens = await tokenize(text);
  const lines = splitLines(text);
  for (let line = 0; line < lines.length; line++) {
    const col = lines[line].indexOf(needle);
    if (col >= 0) return scopesAt(tokens, line, col + offset);
  }
  throw new Error(`${needle} not in the text`);
}

function has(scopes, scope) {
  assert.ok(scopes.includes(scope), `expected ${scope} in [${scopes.join(', ')}]`);
}
function lacks(scopes, prefix) {
  assert.ok(!scopes.some((s) => s.startsWith(prefix)), `unexpected ${prefix}* in [${scopes.join(', ')}]`);
}

test('declarations are keywords and their names are section names', async () => {
  const text = 'service "api" from="web"\nenvironment "production" layer="prod"\n';
  has(await scopesOf(text, 'service'), 'keyword.other.declaration.mirage');
  has(await scopesOf(text, '"api"'), 'entity.name.section.mirage');
  has(await scopesOf(text, 'environment'), 'keyword.other.declaration.mirage');
  has(await scopesOf(text, 'from'), 'entity.other.attribute-name.mirage');
});

test('a node name that merely starts with a keyword is not a keyword', async () => {
  const text = 'services 1\nproject-x 2\n';
  lacks(await scopesOf(text, 'services'), 'keyword.');
  has(await scopesOf(text, 'project-x'), 'entity.name.tag.mirage');
});

test('import paths and settings', async () => {
  const text = 'import "std/postgres"\nservice "db" {\n    tcp-proxy 5432\n}\n';
  has(await scopesOf(text, 'import'), 'keyword.control.import.mirage');
  has(await scopesOf(text, '"std/postgres"'), 'string.quoted.double.import.mirage');
  has(await scopesOf(text, 'tcp-proxy'), 'support.type.property-name.setting.mirage');
  has(await scopesOf(text, '5432'), 'constant.numeric.decimal.mirage');
});

test('variables in vars blocks and references inside strings', async () => {
  const text = 'service "api" {\n    vars {\n        URL "postgres://${{db.PGHOST}}:${{ shared.PORT }}"\n    }\n}\n';
  has(await scopesOf(text, 'URL'), 'variable.other.constant.mirage');
  has(await scopesOf(text, '${{'), 'punctuation.definition.interpolation.begin.mirage');
  has(await scopesOf(text, 'db.'), 'variable.other.object.service.mirage');
  has(await scopesOf(text, 'PGHOST'), 'variable.other.constant.mirage');
  has(await scopesOf(text, 'shared'), 'support.variable.shared.mirage');
  has(await scopesOf(text, 'postgres:'), 'string.quoted.double.mirage');
  lacks(await scopesOf(text, 'postgres:'), 'meta.interpolation');
});

test('an unclosed reference ends with its string', async () => {
  const text = 'a "${{db.X"\nb "plain"\n';
  has(await scopesOf(text, 'b "'), 'entity.name.tag.mirage');
  lacks(await scopesOf(text, 'plain'), 'meta.interpolation');
});

test('type annotations: secrets and generators', async () => {
  const text = 'vars { KEY (secret)"env:KEY" }\n';
  has(await scopesOf(text, 'secret'), 'entity.name.type.annotation.mirage');
  has(await scopesOf(text, 'env:KEY'), 'string.quoted.double.mirage');
});

test('raw strings keep quotes and backslashes', async () => {
  const text = 'a ##"say "# \\n"## next\n';
  const inner = await scopesOf(text, 'say');
  has(inner, 'string.quoted.other.raw.mirage');
  lacks(await scopesOf(text, '\\n'), 'constant.character.escape');
  has(await scopesOf(text, 'next'), 'string.unquoted.identifier.mirage');
});

test('multi-line strings span lines, raw ones too', async () => {
  const text = 'a """\n  one "two"\n  """ after\nb #"""\n  \\q\n  """# x\n';
  has(await scopesOf(text, 'one'), 'string.quoted.triple.mirage');
  has(await scopesOf(text, 'after'), 'string.unquoted.identifier.mirage');
  has(await scopesOf(text, '\\q'), 'string.quoted.other.raw.triple.mirage');
  lacks(await scopesOf(text, '\\q'), 'invalid.');
});

test('escapes: valid ones and invalid ones', async () => {
  const text = 'a "\\u{1F600} \\s \\x"\n';
  has(await scopesOf(text, '\\u'), 'constant.character.escape.mirage');
  has(await scopesOf(text, '\\s'), 'constant.character.escape.mirage');
  has(await scopesOf(text, '\\x'), 'invalid.illegal.escape.mirage');
});

test('numbers in every base and the # keywords', async () => {
  const text = 'n 0xFF_ff 0o17 0b1_0 -1.5e+3 #true #null #-inf #nan 12abc\n';
  has(await scopesOf(text, '0xFF'), 'constant.numeric.integer.hexadecimal.mirage');
  has(await scopesOf(text, '0o17'), 'constant.numeric.integer.octal.mirage');
  has(await scopesOf(text, '0b1_0'), 'constant.numeric.integer.binary.mirage');
  has(await scopesOf(text, '-1.5e+3'), 'constant.numeric.decimal.mirage');
  has(await scopesOf(text, '#true'), 'constant.language.boolean.mirage');
  has(await scopesOf(text, '#null'), 'constant.language.null.mirage');
  has(await scopesOf(text, '#-inf'), 'constant.language.float.mirage');
  has(await scopesOf(text, '#nan'), 'constant.language.float.mirage');
  lacks(await scopesOf(text, '12abc'), 'constant.numeric');
});

test('KDL v1 bare keywords are marked invalid', async () => {
  has(await scopesOf('protect true\n', 'true'), 'invalid.illegal.bare-keyword.mirage');
});

test('nested block comments', async () => {
  const text = '/* a /* b */ c */ node 1\n';
  has(await scopesOf(text, 'c */'), 'comment.block.mirage');
  has(await scopesOf(text, 'node'), 'entity.name.tag.mirage');
});

test('slashdash comments out a node with its children', async () => {
  const text = '/-service "old" {\n    replicas 2\n}\nservice "new"\n';
  has(await scopesOf(text, 'replicas'), 'comment.block.slashdash.mirage');
  has(await scopesOf(text, '"old"'), 'comment.block.slashdash.mirage');
  lacks(await scopesOf(text, '"new"'), 'comment.');
  has(await scopesOf(text, '"new"'), 'entity.name.section.mirage');
});

test('braces and quotes inside a slash-dashed node do not end it early', async () => {
  const text = '/-a "}" #"{"# {\n    b "{" /* } */\n}\nc 1\n';
  has(await scopesOf(text, 'b "'), 'comment.block.slashdash.mirage');
  lacks(await scopesOf(text, 'c 1'), 'comment.');
  has(await scopesOf(text, 'c 1'), 'entity.name.tag.mirage');
});

test('slashdash comments out one argument, property or children block', async () => {
  const text = 'a 1 /-"two words" 3 /-k=(t)"v" j=4 /-{ x 1 } \n';
  has(await scopesOf(text, 'two'), 'comment.block.slashdash.mirage');
  has(await scopesOf(text, '3'), 'constant.numeric.decimal.mirage');
  has(await scopesOf(text, 'k='), 'comment.block.slashdash.mirage');
  has(await scopesOf(text, '"v"'), 'comment.block.slashdash.mirage');
  has(await scopesOf(text, 'j'), 'entity.other.attribute-name.mirage');
  has(await scopesOf(text, 'x 1'), 'comment.block.slashdash.mirage');
});

test('line continuations keep the node going', async () => {
  const text = 'watch-patterns "a" \\ // more\n    "b"\nnext 1\n';
  has(await scopesOf(text, '\\'), 'punctuation.separator.continuation.line.mirage');
  has(await scopesOf(text, '"b"'), 'string.quoted.double.mirage');
  has(await scopesOf(text, '"b"'), 'meta.node.mirage');
  has(await scopesOf(text, 'next'), 'entity.name.tag.mirage');
  const flush = 'a 1 \\\n22 k=3\n';
  has(await scopesOf(flush, '22'), 'constant.numeric.decimal.mirage');
  has(await scopesOf(flush, 'k='), 'entity.other.attribute-name.mirage');
});

test('semicolons end nodes; a stray closing brace is invalid', async () => {
  const text = 'a 1; b 2\n}\n';
  has(await scopesOf(text, ';'), 'punctuation.terminator.node.mirage');
  has(await scopesOf(text, 'b 2'), 'entity.name.tag.mirage');
  has(await scopesOf(text, '}'), 'invalid.illegal.stray-brace.mirage');
});

test('CRLF files tokenize like LF files', async () => {
  const lf = 'service "api" {\n    port 3000\n}\n';
  assert.deepEqual(await tokenize(lf.replaceAll('\n', '\r\n')), await tokenize(lf));
});

// The KDL specification's own test suite, vendored in tests/kdl-test-suite:
// every input that must parse (it has an expected output) is coloured
// without an `invalid.` scope and leaves no rule open at its end.
const suiteDir = join(repoRoot, 'tests', 'kdl-test-suite', 'test_cases');
// A line continuation as the very last thing of a file stays open: harmless,
// as nothing follows it to colour.
const OPEN_AT_END = new Set(['eof_after_escape.kdl']);

test('every valid document of the KDL v2 test suite', async () => {
  const valid = readdirSync(join(suiteDir, 'input'))
    .filter((f) => existsSync(join(suiteDir, 'expected_kdl', f)))
    .sort();
  assert.ok(valid.length > 200, `only ${valid.length} valid test cases found`);
  const problems = [];
  for (const file of valid) {
    const text = readFileSync(join(suiteDir, 'input', file), 'utf8');
    for (const t of await tokenize(text)) {
      const bad = t.scopes.find((s) => s.startsWith('invalid.'));
      if (bad) problems.push(`${file}:${t.line + 1}:${t.start} ${bad} ${JSON.stringify(t.text)}`);
    }
    const depth = (await finalState(text)).depth;
    if (depth !== 1 && !OPEN_AT_END.has(file)) problems.push(`${file}: ${depth - 1} rule(s) still open at the end`);
  }
  assert.deepEqual(problems, []);
});
