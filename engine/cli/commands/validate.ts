import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { UserError } from '../exit.ts';

export function registerValidate(program: Command, _io: CliIo, _setExit: SetExit): void {
  program
    .command('validate')
    .description('Check bot spec files and explain what each bot will do.')
    .argument('<file...>', 'bot spec YAML files')
    .option('--json', 'print machine-readable results')
    .action(() => {
      throw new UserError('validate is not available yet');
    });
}
