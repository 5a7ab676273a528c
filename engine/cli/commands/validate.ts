import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { ExitCode } from '../exit.ts';
import { loadBotSpec } from '../../spec/load.ts';
import type { SpecResult } from '../../spec/load.ts';
import { formatDiagnostics } from '../../spec/diagnostic.ts';
import type { Diagnostic } from '../../spec/diagnostic.ts';

export function registerValidate(cmd: Command, io: CliIo, setExit: SetExit): void {
  cmd
    .argument('<file...>', 'bot spec YAML files')
    .option('--json', 'print machine-readable results')
    .addHelpText('after', `
Each problem is printed as file:line:column: error: message, with the line and a hint.
A valid spec prints a summary of what the bot will do.
Exit status: 0 if every file is valid, 1 if any is not, 2 for a wrong command line.`)
    .action(async (files: string[], opts: { json?: boolean }) => {
      const results: SpecResult[] = [];
      for (const file of files) results.push(await loadBotSpec(file));
      io.out(opts.json ? `${JSON.stringify(results.map(toJson), null, 2)}\n` : results.map(toText).join('\n'));
      setExit(results.every((r) => r.ok) ? ExitCode.Ok : ExitCode.UserError);
    });
}

function toText(r: SpecResult): string {
  if (!r.ok) return formatDiagnostics(r.diagnostics, r.file);
  const warnings = r.warnings.length ? formatDiagnostics(r.warnings, r.file) : '';
  return `${warnings}${r.file}: valid\n${wrap(r.summary, 100, '  ')}\n`;
}

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

function jsonDiag(d: Diagnostic): Record<string, unknown> {
  return { file: d.file, line: d.line, column: d.column, severity: d.severity, message: d.message, ...(d.hint ? { hint: d.hint } : {}) };
}

function toJson(r: SpecResult): Record<string, unknown> {
  if (!r.ok) {
    return {
      file: r.file,
      valid: false,
      errors: r.diagnostics.filter((d) => d.severity === 'error').map(jsonDiag),
      warnings: r.diagnostics.filter((d) => d.severity === 'warning').map(jsonDiag),
      summary: null,
    };
  }
  return { file: r.file, valid: true, errors: [], warnings: r.warnings.map(jsonDiag), summary: r.summary };
}
