// Vega-Lite specs shared by several examples. The data are plain rows; lib/plot.js renders them.
'use strict';

/**
 * Test accuracy against the training step: the mean over seeds as a line with points, the min–max
 * over seeds as a band, one colour per `color.field`, optionally one panel per `column` value, and
 * chance (10%) as a dashed rule.
 * @param {{
 *   title: string, subtitle?: string, values: object[], color: { field: string, sort?: string[], title?: string },
 *   column?: { field: string, sort?: string[] }, width?: number, height?: number,
 * }} options rows need `step` and `accuracy`
 */
function accuracyCurves({ title, subtitle, values, color, column, width = 330, height = 260 }) {
  const colorEncoding = { field: color.field, type: 'nominal', sort: color.sort, title: color.title ?? color.field };
  const layered = {
    width,
    height,
    layer: [
      {
        mark: { type: 'line', strokeWidth: 2.5, point: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'training step', scale: { zero: true } },
          y: { aggregate: 'mean', field: 'accuracy', type: 'quantitative', title: 'test accuracy', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
          color: colorEncoding,
        },
      },
      {
        mark: { type: 'area', opacity: 0.15 },
        encoding: {
          x: { field: 'step', type: 'quantitative', scale: { zero: true } },
          y: { aggregate: 'min', field: 'accuracy', type: 'quantitative' },
          y2: { aggregate: 'max', field: 'accuracy' },
          color: colorEncoding,
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: 0.1 } } },
    ],
  };
  const head = { title: { text: title, subtitle }, data: { values } };
  if (!column) return { ...head, ...layered };
  return {
    ...head,
    facet: { column: { field: column.field, type: 'nominal', sort: column.sort, title: null, header: { labelFontSize: 13 } } },
    spec: layered,
  };
}

module.exports = { accuracyCurves };
