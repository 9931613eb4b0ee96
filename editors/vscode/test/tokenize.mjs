// Runs the Mirage TextMate grammar the way VS Code does (vscode-textmate on
// the oniguruma WebAssembly build) and turns the result into plain data and
// into the snapshot text format the tests compare against.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vsctm from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** The extension's root directory (`editors/vscode`). */
export const extensionRoot = join(here, '..');
/** The repository root, two levels above the extension. */
export const repoRoot = join(extensionRoot, '..', '..');

const grammarPath = join(extensionRoot, 'syntaxes', 'mirage.tmLanguage.json');
const ROOT_SCOPE = 'source.mirage';

let grammarPromise;

/** Splits text into lines as VS Code's text model does (CRLF, LF, CR). */
export function splitLines(text) {
  return text.split(/\r\n|\n|\r/);
}

/**
 * Tokenizes `text` and returns the rule stack after its last line: `depth`
 * 1 means every rule the text opened was closed again.
 */
export async function finalState(text) {
  const grammar = await loadGrammar();
  let stack = vsctm.INITIAL;
  for (const line of splitLines(text)) stack = grammar.tokenizeLine(line, stack).ruleStack;
  return stack;
}

/** Loads the grammar once per process. */
export function loadGrammar() {
  if (!grammarPromise) {
    grammarPromise = (async () => {
      const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
      await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
      const registry = new vsctm.Registry({
        onigLib: Promise.resolve({
          createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
          createOnigString: (text) => new oniguruma.OnigString(text),
        }),
        loadGrammar: async (scopeName) => {
          if (scopeName !== ROOT_SCOPE) return null;
          return vsctm.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath);
        },
      });
      const grammar = await registry.loadGrammar(ROOT_SCOPE);
      if (!grammar) throw new Error(`grammar ${ROOT_SCOPE} did not load`);
      return grammar;
    })();
  }
  return grammarPromise;
}

/**
 * Tokenizes `text` line by line, carrying the rule stack across lines as an
 * editor does. Returns one entry per token: line (0-based), start/end columns,
 * its text and its scopes without the root scope.
 */
export async function tokenize(text) {
  const grammar = await loadGrammar();
  const lines = splitLines(text);
  let stack = vsctm.INITIAL;
  const tokens = [];
  lines.forEach((line, lineNo) => {
    const result = grammar.tokenizeLine(line, stack, 1000);
    if (result.stoppedEarly) throw new Error(`tokenizing stopped early on line ${lineNo + 1}`);
    for (const token of result.tokens) {
      const end = Math.min(token.endIndex, line.length);
      if (end <= token.startIndex) continue;
      tokens.push({
        line: lineNo,
        start: token.startIndex,
        end,
        text: line.slice(token.startIndex, end),
        scopes: token.scopes.filter((s) => s !== ROOT_SCOPE),
      });
    }
    stack = result.ruleStack;
  });
  return tokens;
}

/**
 * The snapshot text of a file: every source line, then one line per
 * non-blank token with its column range, text and scopes.
 */
export async function snapshot(text) {
  const tokens = await tokenize(text);
  const lines = splitLines(text);
  const out = [];
  lines.forEach((line, lineNo) => {
    out.push(`>${line}`);
    for (const t of tokens) {
      if (t.line !== lineNo || t.text.trim() === '') continue;
      const scopes = t.scopes.length ? t.scopes.join(' ') : '(none)';
      out.push(` ${t.start}-${t.end} ${JSON.stringify(t.text)} ${scopes}`);
    }
  });
  return out.join('\n') + '\n';
}

/** The innermost scopes of the token covering `column` of line `line` (0-based). */
export function scopesAt(tokens, line, column) {
  const t = tokens.find((tok) => tok.line === line && tok.start <= column && column < tok.end);
  return t ? t.scopes : [];
}
