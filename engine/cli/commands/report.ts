import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { UserError } from '../exit.ts';

export function registerReport(program: Command, _io: CliIo, _setExit: SetExit): void {
  program
    .command('report')
    .description('(not available yet)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserError('botctl report is not available yet');
    });
}
