// Exit codes are part of botctl's interface: scripts and CI jobs branch on them.
export const ExitCode = {
  Ok: 0,
  /** The user's input is wrong (invalid spec, missing data file, rejected keys...). */
  UserError: 1,
  /** The command line itself is wrong (unknown command or option, missing argument). */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the user can fix. Its message is printed as is (no stack trace), so it must say what
 * is wrong and how to fix it.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: ExitCode = ExitCode.UserError) {
    super(message);
    this.name = 'UserError';
  }
}

export class UsageError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
    this.name = 'UsageError';
  }
}
