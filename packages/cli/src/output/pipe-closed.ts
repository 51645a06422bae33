/**
 * A reader that goes away — `pincer -p … | head -1` — makes every later write fail with EPIPE.
 * Unhandled, that error killed the run mid-turn with a stack trace; this treats it as SIGPIPE
 * does a shell command: `onClose` once (the run stops its turn and keeps the session), and
 * every later write to a closed stream is dropped quietly.
 */
export function watchPipes(streams: NodeJS.WritableStream[], onClose: () => void): { closed(): boolean } {
  let closed = false;
  for (const stream of streams) {
    // Kept for the life of the process: a write after the close fails again, asynchronously.
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
      if (closed) return;
      closed = true;
      onClose();
    });
  }
  return { closed: () => closed };
}

/** What a shell reports for a command ended by SIGPIPE (128 + 13). */
export const EXIT_PIPE_CLOSED = 141;
