// Text widths for Vega's layout. Without a browser or node-canvas, Vega estimates a text's width as
// 0.8 × characters × font size, far wider than real text, which leaves wide empty margins around
// titles and legends. Vega lets a program supply the measurement (textMetrics.width, as vl-convert
// does); here it comes from the advance widths of DejaVu Sans, read with opentype.js: the font the
// figures name first and that resvg draws them with.
'use strict';
const fs = require('node:fs');

const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/TTF', '/usr/share/fonts/dejavu'];

/** @param {string} file */
function findFont(file) {
  for (const dir of FONT_DIRS) if (fs.existsSync(`${dir}/${file}`)) return `${dir}/${file}`;
  return undefined;
}

/** @type {{ regular: any, bold: any } | null | undefined} */
let fonts;
function loadFonts() {
  if (fonts !== undefined) return fonts;
  const regular = findFont('DejaVuSans.ttf');
  const bold = findFont('DejaVuSans-Bold.ttf');
  if (!regular) return (fonts = null);
  const opentype = require('opentype.js');
  const parse = (file) => opentype.parse(fs.readFileSync(file).buffer);
  const regularFont = parse(regular);
  return (fonts = { regular: regularFont, bold: bold ? parse(bold) : regularFont });
}

/**
 * The sum of the glyphs' advance widths, without kerning or shaping (opentype.js's own shaping
 * does not support all of DejaVu's substitution tables; for chart labels plain advances suffice).
 */
function advanceWidth(font, text, size) {
  let units = 0;
  for (const char of text) units += font.charToGlyph(char).advanceWidth ?? font.unitsPerEm * 0.6;
  return (units * size) / font.unitsPerEm;
}

/**
 * Makes Vega measure text with DejaVu Sans's real advance widths (or, without the font, with a
 * closer estimate than Vega's own). Call once before rendering.
 * @param {{ textMetrics: { width: Function } }} vega the vega module
 */
function installTextMetrics(vega) {
  const loaded = loadFonts();
  const cache = new Map();
  vega.textMetrics.width = (item, text) => {
    const value = text == null ? '' : String(text).trim();
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    if (!value || size <= 0) return 0;
    const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
    const key = `${bold ? 'b' : 'r'}${size}|${value}`;
    let width = cache.get(key);
    if (width === undefined) {
      width = loaded ? advanceWidth(bold ? loaded.bold : loaded.regular, value, size) : 0.6 * value.length * size;
      cache.set(key, width);
    }
    return item.limit > 0 ? Math.min(width, item.limit) : width; // Vega truncates text longer than limit
  };
}

module.exports = { installTextMetrics };
