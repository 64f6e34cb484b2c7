// Small text helpers for the examples' printed results.
'use strict';

/** 0.934 -> "93%" */
const pct = (fraction) => `${Math.round(fraction * 100)}%`;

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Prints rows of objects as an aligned text table (numbers right-aligned), one header line.
 * @param {Record<string, string | number>[]} rows
 */
function printTable(rows) {
  if (!rows.length) return;
  const columns = Object.keys(rows[0]);
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values, alignRight) =>
    values.map((v, i) => (alignRight[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  const numeric = columns.map((c) => rows.every((r) => typeof r[c] === 'number' || /^[-\d.,%×]+$/.test(String(r[c]))));
  console.log(line(columns, numeric));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r, numeric));
}

module.exports = { pct, mean, printTable };
