/**
 * A command that failed: its message (made safe to show) and the exit code it ends with: 2 for a
 * usage error (its message is the whole story), 1 for the rest.
 */
export class CommandFailure extends Error {
  override name = "CommandFailure";
  constructor(
    message: string,
    readonly exitCode: number,
    /** The command's own words, without the "Command /x failed:" frame (for a usage error). */
    readonly reason: string = message,
  ) {
    super(message);
  }
}
