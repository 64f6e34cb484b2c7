// The chapter's examples (examples/chapter/, run by examples/run.js) keep working: each runs as a
// user would, `node examples/run.js <name> --quick`, on tiny sizes, and must exit 0, print nothing
// on stderr, print its key lines and write its plot (SVG and PNG), here to a temporary folder.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');
const FIGURES = fs.mkdtempSync(path.join(os.tmpdir(), 'gated-examples-test-'));
afterAll(() => fs.rmSync(FIGURES, { recursive: true, force: true }));

function run(...args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'examples', 'run.js'), ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...process.env, GATED_FIGURES_DIR: FIGURES }, // plots go to this test's own folder
  });
}

/** The figure paths from the "plot: a.svg, a.png" lines, made absolute. */
function plots(stdout: string): string[] {
  return [...stdout.matchAll(/^plot: (.+)$/gm)].flatMap((m) => m[1].split(', ').map((p) => path.resolve(ROOT, p)));
}

const EXAMPLES: [string, string[]][] = [
  ['vanishing-gradients', ['RNN', 'LSTM chrono', 'GRU chrono', 'Factor kept per step back in time', 'the gradient is multiplied by']],
  ['long-dependency', ['RNN default', 'LSTM default', 'GRU default', 'LSTM chrono', 'GRU chrono', 'What the runs show', 'test acc']],
  ['nn-usage', ['output:             [32, 15, 20]', 'final hidden h:     [2, 32, 20]', 'parameters: 5,920', 'GRU parameters:  4,440', 'GRU / LSTM = 75.0%', 'logits:             [4, 10]', '11,264']],
  ['lstm-vs-gru', ['LSTM chrono', 'GRU chrono', 'ms/step', "of LSTM's time"]],
  ['length-sweep', ['LSTM default', 'GRU chrono', 'mean test accuracy by length']],
  ['bidirectional', ['unidirectional, output[-1]', 'bidirectional, output[-1]', 'bidirectional, h_n', 'reverse']],
  ['manual-cells', ['chapter cell vs g.nn.LSTM', 'resetAfter: false', 'trained through the tape']],
  ['gate-heatmap', ['mean forget gate', 'mean input gate', 'units whose forget gate']],
  ['gru-vs-lstm-curves', ['LSTM default', 'GRU chrono', 'converged at', 'What the runs show']],
];

describe('npm run example -- <name> --quick', () => {
  it.each(EXAMPLES)('%s runs, prints its key lines and writes its plot', (name, lines) => {
    const result = run(name, '--quick');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const line of lines) expect(result.stdout).toContain(line);
    const files = plots(result.stdout);
    expect(files.map((f) => path.extname(f)).sort()).toEqual(['.png', '.svg']);
    for (const file of files) {
      expect(path.dirname(file)).toBe(FIGURES);
      expect(fs.statSync(file).size).toBeGreaterThan(1000);
    }
    const png = fs.readFileSync(files.find((f) => f.endsWith('.png'))!);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const svg = fs.readFileSync(files.find((f) => f.endsWith('.svg'))!, 'utf8');
    expect(svg).toMatch(/^<svg[^>]*>/);
    expect(svg).toContain('<text'); // titles, axes and legends are there
  });

  it('--list names every example with a description', () => {
    const result = run('--list');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const listed = fs.readdirSync(path.join(ROOT, 'examples', 'chapter')).filter((f) => f.endsWith('.js'));
    for (const file of listed) expect(result.stdout).toMatch(new RegExp(`^  ${file.slice(0, -3)} +\\S`, 'm'));
    for (const [name] of EXAMPLES) expect(listed).toContain(`${name}.js`);
  });

  it('an unknown name fails with the list of names', () => {
    const result = run('no-such-example');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no example named "no-such-example"');
    expect(result.stderr).toContain('long-dependency');
  });
});
