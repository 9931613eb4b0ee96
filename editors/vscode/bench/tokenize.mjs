// How fast VS Code's tokenizer runs the Mirage grammar: tokenizes a generated
// 5,000-line project file (services, vars with references, layers,
// environments, comments) several times and prints lines per second and the
// time of one full pass. `npm run bench`.
import { performance } from 'node:perf_hooks';
import { loadGrammar } from '../test/tokenize.mjs';
import vsctm from 'vscode-textmate';

function projectText(targetLines) {
  const out = ['// generated for the tokenizer benchmark', 'project "bench" { region "us-west2" }', 'import "std/postgres"'];
  let i = 0;
  while (out.length < targetLines) {
    out.push(
      `/* service ${i} */`,
      `service "svc-${i}" from="std/postgres" {`,
      `    repo "acme/app" branch="main" root="apps/svc-${i}"`,
      '    healthcheck "/healthz" timeout=30',
      `    replicas ${i % 5}; port 0x${(3000 + i).toString(16)}`,
      '    vars {',
      `        DATABASE_URL "postgresql://\${{db.PGUSER}}:\${{db.PGPASSWORD}}@\${{RAILWAY_PRIVATE_DOMAIN}}/svc_${i}"`,
      '        STRIPE_KEY (secret)"env:STRIPE_KEY"',
      `        RAW #"a "raw" \\n value ${i}"#`,
      '        DEBUG #null',
      '    }',
      '    /-domain "old.example"',
      '}',
      `environment "env-${i}" layer="prod" { service "svc-${i}" { replicas 2 } }`,
    );
    i++;
  }
  return out.slice(0, targetLines);
}

const lines = projectText(5000);
const grammar = await loadGrammar();
function pass() {
  let stack = vsctm.INITIAL;
  let tokens = 0;
  for (const line of lines) {
    const r = grammar.tokenizeLine(line, stack);
    tokens += r.tokens.length;
    stack = r.ruleStack;
  }
  return tokens;
}

pass(); // warm-up: regex compilation and JIT
const runs = 10;
const times = [];
let tokens = 0;
for (let r = 0; r < runs; r++) {
  const start = performance.now();
  tokens = pass();
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(runs / 2)];
console.log(`lines: ${lines.length}, tokens per pass: ${tokens}, runs: ${runs}`);
console.log(`full pass: median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)} ms, max ${times[runs - 1].toFixed(1)} ms`);
console.log(`throughput: ${Math.round(lines.length / (median / 1000))} lines/s`);
