// The Deluge extension: starts `dlg lsp` (the `dlg.path` setting) for
// Deluge files, asks for the arguments a "Run" lens needs, and shows what
// a run printed in the "Deluge runs" output panel.

import * as vscode from "vscode";
import {
  ExecuteCommandSignature,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let runs: vscode.OutputChannel | undefined;

/** What `workspace/executeCommand` answers for `dlg.run` / `dlg.runTest`. */
interface RunResult {
  command?: string;
  exitCode?: number | null;
  timedOut?: boolean;
  info?: string[];
  output?: string;
  error?: string;
}

function dlgPath(): string {
  return vscode.workspace.getConfiguration("dlg").get<string>("path") || "dlg";
}

function serverOptions(): ServerOptions {
  return { command: dlgPath(), args: ["lsp"] };
}

/** A value typed in the input box: JSON when it reads as JSON, else text. */
function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Ask for each argument a run needs (lens arguments: uri, function, needs). */
async function withArguments(args: unknown[]): Promise<unknown[] | undefined> {
  const needs = Array.isArray(args[2]) ? (args[2] as string[]) : [];
  if (needs.length === 0 || args[3] !== undefined) {
    return args;
  }
  const values: Record<string, unknown> = {};
  for (const name of needs) {
    const raw = await vscode.window.showInputBox({
      title: "Run",
      prompt: `Value of ${name} (JSON, or plain text)`,
      ignoreFocusOut: true,
    });
    if (raw === undefined) {
      return undefined;
    }
    values[name] = parseValue(raw);
  }
  return [args[0], args[1] ?? null, needs, values];
}

function show(result: RunResult): void {
  if (!runs) {
    runs = vscode.window.createOutputChannel("Deluge runs");
  }
  runs.appendLine(`$ ${result.command ?? "dlg"}`);
  if (result.error) {
    runs.appendLine(result.error);
  } else {
    runs.append(result.output ?? "");
    runs.appendLine(`(exit ${result.exitCode ?? "?"}${result.timedOut ? ", stopped: too long" : ""})`);
  }
  runs.show(true);
}

async function runCommand(
  command: string,
  args: unknown[],
  next: ExecuteCommandSignature,
): Promise<unknown> {
  if (command !== "dlg.run" && command !== "dlg.runTest") {
    return next(command, args);
  }
  const full = await withArguments(args);
  if (!full) {
    return undefined;
  }
  const result = (await next(command, full)) as RunResult;
  show(result ?? { error: "no answer from dlg lsp" });
  return result;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "deluge" },
      { scheme: "untitled", language: "deluge" },
    ],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher(
        "**/{*.dg,*.deluge,*.ds,*.ts,*.txt,dlg.toml,connections.toml}",
      ),
    },
    middleware: { executeCommand: runCommand },
  };
  client = new LanguageClient("dlg", "Deluge (dlg lsp)", serverOptions(), clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand("dlg.restartServer", async () => {
      if (client) {
        await client.restart();
      }
    }),
  );
  try {
    await client.start();
  } catch (e) {
    void vscode.window.showErrorMessage(
      `Deluge: cannot start "${dlgPath()} lsp" (${e}). Set dlg.path to the dlg executable.`,
    );
  }
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
