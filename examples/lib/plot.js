// Plots for the examples: a Vega-Lite spec is compiled to Vega, rendered to SVG headless by Vega
// (renderer 'none', no browser or canvas), and rasterised to PNG by resvg. Full runs write
// docs/figures/<name>.svg and .png (the README's figures); quick runs write to a temporary folder.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { installTextMetrics } = require('./text-metrics');

const FIGURES = path.join(__dirname, '..', '..', 'docs', 'figures');
const QUICK_FIGURES = path.join(os.tmpdir(), 'gated-examples');

// The same look for every figure: DejaVu Sans is the font resvg finds on Debian-like systems
// (fonts-dejavu-core); the SVGs name it first and fall back to any sans-serif font.
const FONT = 'DejaVu Sans, Verdana, sans-serif';
const CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start' },
  range: { category: { scheme: 'tableau10' } },
};

/** @type {Promise<{ vega: any, vegaLite: any }> | undefined} */
let libraries;
// vega and vega-lite are ES modules only: import() loads them from CommonJS.
function loadLibraries() {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => {
    installTextMetrics(vega);
    return { vega, vegaLite };
  });
  return libraries;
}

/**
 * The folder figures go to: docs/figures for full runs, a temporary folder for quick ones, or
 * $GATED_FIGURES_DIR when set (the tests use their own folder).
 */
function figuresDir(quick) {
  return process.env.GATED_FIGURES_DIR || (quick ? QUICK_FIGURES : FIGURES);
}

/**
 * Renders a Vega-Lite spec and writes <dir>/<name>.svg and <dir>/<name>.png (at twice the size).
 * `config` is merged over the shared look. Returns the paths written.
 * @param {string} name file name without extension
 * @param {object} spec a Vega-Lite spec (data inline)
 * @param {{ quick?: boolean }} [options]
 * @returns {Promise<{ svg: string, png: string }>}
 */
async function savePlot(name, spec, { quick = false } = {}) {
  const { vega, vegaLite } = await loadLibraries();
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', padding: 12, ...spec, config: { ...CONFIG, ...spec.config } };
  const vegaSpec = vegaLite.compile(full).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();

  const dir = figuresDir(quick);
  fs.mkdirSync(dir, { recursive: true });
  const svgPath = path.join(dir, `${name}.svg`);
  const pngPath = path.join(dir, `${name}.png`);
  fs.writeFileSync(svgPath, svg);
  fs.writeFileSync(pngPath, toPng(svg));
  return { svg: svgPath, png: pngPath };
}

/** Rasterises an SVG with resvg, using the system's fonts for the text. */
function toPng(svg) {
  const { Resvg } = require('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** Prints where a plot went, relative to the repository when it is inside it. */
function describePaths({ svg, png }) {
  const root = path.join(__dirname, '..', '..');
  const show = (p) => (p.startsWith(root) ? path.relative(root, p) : p);
  return `${show(svg)}, ${show(png)}`;
}

module.exports = { savePlot, figuresDir, describePaths, FIGURES };
