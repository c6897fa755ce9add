/**
 * Progress display for image builds: step lines on stderr, and on a terminal a bar for the
 * bytes sent to the engine (cli-progress).
 */
import cliProgress from "cli-progress";
import type { BuildProgress } from "./images.js";

export function consoleProgress(write: (s: string) => void = (s) => process.stderr.write(s)): BuildProgress {
  const tty = Boolean(process.stderr.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  return {
    step: (line) => {
      bar?.stop();
      bar = undefined;
      write(`images: ${line}\n`);
    },
    bytes: tty
      ? (sent, total) => {
          if (!bar) {
            bar = new cliProgress.SingleBar(
              { format: "images: importing [{bar}] {percentage}% {value}/{total} MB", hideCursor: true },
              cliProgress.Presets.shades_classic,
            );
            bar.start(Math.ceil(total / 1e6), 0);
          }
          bar.update(Math.floor(sent / 1e6));
          if (sent >= total) {
            bar.stop();
            bar = undefined;
          }
        }
      : undefined,
  };
}
