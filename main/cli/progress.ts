import type { StepInfo } from '../engine/samplers/types.ts';

const REDRAW_MS = 100;

/**
 * Sampler progress on stderr: on a terminal one line redrawn at most every 100 ms; elsewhere (logs,
 * pipes) a plain line at every tenth of the run, so a log file does not fill with carriage returns.
 */
export function progressReporter(
  stream: NodeJS.WriteStream,
  label: string,
): { step(info: StepInfo): void; done(): void } {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  let lastTenth = -1;
  let drawn = false;
  const text = (info: StepInfo) =>
    `${label} ${Math.floor(info.progress * 100)
      .toString()
      .padStart(3)}%  nfe ${info.nfe}  t ${info.t.toFixed(4)}`;
  return {
    step(info) {
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < REDRAW_MS) return;
        lastDraw = now;
        drawn = true;
        stream.write(`\r${text(info)}\x1b[K`);
        return;
      }
      const tenth = Math.floor(info.progress * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${text(info)}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
