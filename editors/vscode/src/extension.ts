// The VS Code client for Mirage: starts `mirage-lsp` over stdio for `.mirage`
// files, says what to do when the binary is missing, and restarts it on
// `Mirage: Restart Language Server` or when its settings change.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, State } from 'vscode-languageclient/node';
import { findServer } from './server';

const SECTION = 'mirage';
const INSTALL_HELP = 'Install it with `cargo install --path lsp` from a checkout of Mirage, or set `mirage.server.path`.';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
let traceOutput: vscode.OutputChannel | undefined;

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

async function offerHelp(message: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log', 'Retry');
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'mirage.server');
  } else if (choice === 'Show Log') {
    output?.show(true);
  } else if (choice === 'Retry') {
    await restart();
  }
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const configured = config.get<string>('server.path', 'mirage-lsp');
  const args = config.get<string[]>('server.args', []);
  const lookup = findServer(configured, workspaceFolder());
  if (!lookup.found) {
    output?.appendLine(`mirage-lsp not found; looked for: ${lookup.tried.join(', ')}`);
    void offerHelp(`Mirage: the language server \`${configured}\` was not found. ${INSTALL_HELP} Highlighting works without it.`);
    return;
  }
  output?.appendLine(`starting ${lookup.found} ${args.join(' ')}`.trimEnd());

  const serverOptions: ServerOptions = {
    run: { command: lookup.found, args },
    debug: { command: lookup.found, args },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'mirage' },
      { scheme: 'untitled', language: 'mirage' },
    ],
    // Files of the project that are not open still count (imports, other
    // files of the directory): tell the server when they change on disk.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.mirage') },
    outputChannel: output,
    traceOutputChannel: traceOutput,
  };
  // The id `mirage` makes the client honour the `mirage.trace.server` setting.
  const next = new LanguageClient(SECTION, 'Mirage Language Server', serverOptions, clientOptions);
  client = next;
  try {
    await next.start();
  } catch (error) {
    client = undefined;
    const reason = error instanceof Error ? error.message : String(error);
    output?.appendLine(`mirage-lsp failed to start: ${reason}`);
    void offerHelp(`Mirage: \`${lookup.found}\` could not be started (${reason}). ${INSTALL_HELP}`);
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running && running.state !== State.Stopped) {
    try {
      await running.stop();
    } catch (error) {
      output?.appendLine(`stopping mirage-lsp: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

/** Called by VS Code when a `.mirage` file opens or a workspace holds one. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('Mirage Language Server');
  traceOutput = vscode.window.createOutputChannel('Mirage Language Server Trace');
  context.subscriptions.push(
    output,
    traceOutput,
    vscode.commands.registerCommand('mirage.restartServer', async () => {
      await restart();
      if (client) void vscode.window.showInformationMessage('Mirage: language server restarted.');
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('mirage.server')) await restart();
    }),
  );
  await start();
}

/** Called by VS Code on shutdown: stop the server cleanly. */
export async function deactivate(): Promise<void> {
  await stop();
}
