// Progress of a training run. On a terminal (and not in --quick mode) a live cli-progress bar shows
// the step, the recent training loss, steps per second and the last test accuracy. Otherwise (piped
// output, tests, --quick) it prints one line per accuracy check instead, so logs stay readable.
'use strict';

/**
 * @param {{ label: string, total: number, quick?: boolean, live?: boolean }} options live defaults to
 *   "stdout is a terminal and not quick"
 * @returns {{ step: (step: number, loss: number) => void, check: (step: number, accuracy: number) => void,
 *   done: () => void }}
 */
function trainingProgress({ label, total, quick = false, live = Boolean(process.stdout.isTTY) && !quick }) {
  const started = process.hrtime.bigint();
  let lossSum = 0; // training losses since the last check (or bar refresh), for a smoothed loss
  let lossCount = 0;
  let lastLoss = NaN;
  let accuracy = '–';
  const stepsPerSecond = (step) => step / (Number(process.hrtime.bigint() - started) / 1e9);

  if (live) {
    // Required here, not at the top: the training loop that imports this file runs without
    // cli-progress installed (the GPU check runs it on a machine with no node_modules).
    const cliProgress = require('cli-progress');
    const bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(30)} {bar} {value}/{total} | loss {loss} | {rate} steps/s | test acc {accuracy}`,
        stream: process.stdout,
        hideCursor: true,
        barsize: 24,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { loss: '–', rate: '–', accuracy });
    return {
      step(step, loss) {
        lossSum += loss;
        lossCount += 1;
        if (lossCount >= 10 || step === total) {
          lastLoss = lossSum / lossCount;
          lossSum = 0;
          lossCount = 0;
        }
        bar.update(step, { loss: lastLoss.toFixed(3), rate: stepsPerSecond(step).toFixed(0) });
      },
      check(step, acc) {
        accuracy = `${Math.round(acc * 100)}%`;
        bar.update(step, { accuracy });
      },
      done() {
        bar.stop();
      },
    };
  }

  return {
    step(_step, loss) {
      lossSum += loss;
      lossCount += 1;
    },
    check(step, acc) {
      const loss = lossCount ? (lossSum / lossCount).toFixed(3) : '–';
      lossSum = 0;
      lossCount = 0;
      const rate = stepsPerSecond(step).toFixed(0);
      console.log(`  ${label.padEnd(30)} step ${String(step).padStart(4)}/${total}  loss ${loss}  test acc ${String(Math.round(acc * 100)).padStart(3)}%  ${rate} steps/s`);
    },
    done() {},
  };
}

module.exports = { trainingProgress };
