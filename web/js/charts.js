/* global document, window, ResizeObserver */
/**
 * Charts with uPlot (about 50 KB, canvas, draws thousands of points in a few ms), loaded only
 * by pages that draw, so the shell's first paint does not wait for it. The server serves it
 * from node_modules at /vendor/uplot/ (nothing is copied into web/).
 */
import { h } from './dom.js';

let loading = null;

/** Loads uPlot once (script + stylesheet) and resolves with the constructor. */
export function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  loading ??= new Promise((resolve, reject) => {
    document.head.append(h('link', { rel: 'stylesheet', href: '/vendor/uplot/uPlot.min.css' }));
    const s = h('script', { src: '/vendor/uplot/uPlot.iife.min.js' });
    s.onload = () => resolve(window.uPlot);
    s.onerror = () => { loading = null; reject(new Error('Could not load the chart library (/vendor/uplot/uPlot.iife.min.js).')); };
    document.head.append(s);
  });
  return loading;
}

const COLORS = ['#0b5cad', '#b42318', '#1a7f37', '#9a6700', '#8250df', '#57606a'];

/**
 * Draws a chart into `box` (a figure with a caption for screen readers):
 * `xs` numbers (unix seconds when `time`), `series` [{ label, values, dash?, points? }].
 * Returns a function that destroys it.
 */
export async function lineChart(box, { xs, series, time = false, yRange, xLabel, yLabel, markers = [] }) {
  const uPlot = await loadUplot();
  const width = () => Math.max(280, box.clientWidth || 600);
  const opts = {
    width: width(),
    height: 240,
    scales: { x: { time }, y: yRange ? { range: yRange } : {} },
    axes: [{ label: xLabel }, { label: yLabel }],
    series: [{ label: xLabel ?? 'x' }, ...series.map((s, i) => ({
      label: s.label, stroke: s.color ?? COLORS[i % COLORS.length], width: 2,
      dash: s.dash, points: { show: s.points ?? xs.length < 40 },
    }))],
    hooks: markers.length === 0 ? {} : {
      // Vertical lines at marker x positions (trigger firings), drawn under the series.
      drawAxes: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = '#9a6700';
        ctx.setLineDash([4, 4]);
        for (const m of markers) {
          const x = Math.round(u.valToPos(m, 'x', true));
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        }
        ctx.restore();
      }],
    },
  };
  const plot = new uPlot(opts, [xs, ...series.map((s) => s.values)], box);
  const ro = new ResizeObserver(() => plot.setSize({ width: width(), height: 240 }));
  ro.observe(box);
  return () => { ro.disconnect(); plot.destroy(); };
}

/** A figure for a chart with a visible caption and a data table alternative. */
export function chartFigure(caption, table) {
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': caption });
  const fig = h('figure', {}, h('figcaption', {}, caption), box, table ? h('details', {}, h('summary', {}, 'Data as a table'), table) : null);
  return { fig, box };
}
