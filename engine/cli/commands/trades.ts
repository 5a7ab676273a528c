import type { Command } from 'commander';
import type { CliIo } from '../main.ts';
import type { SetExit } from './index.ts';
import { UserError } from '../exit.ts';

export function registerTrades(program: Command, _io: CliIo, _setExit: SetExit): void {
  program
    .command('trades')
    .description('(not available yet)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new UserError('botctl trades is not available yet');
    });
}
