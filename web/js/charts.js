/* global document, window, ResizeObserver, devicePixelRatio */
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
export async function lineChart(box, { xs, series, time = false, yRange, xLabel, yLabel, markers = [], hline = null, integerX = false }) {
  const uPlot = await loadUplot();
  const width = () => Math.max(280, box.clientWidth || 600);
  const opts = {
    width: width(),
    height: 240,
    scales: {
      // One point has no span: show it in a window of a minute (time) or one unit around it.
      x: xs.length === 1 ? { time, range: [xs[0] - (time ? 60 : 1), xs[0] + (time ? 60 : 1)] } : { time },
      y: yRange ? { range: yRange } : {},
    },
    axes: [{ label: xLabel, ...(integerX ? { incrs: [1, 2, 5, 10, 20, 50] } : {}) }, { label: yLabel }],
    series: [{ label: xLabel ?? 'x' }, ...series.map((s, i) => ({
      label: s.label, stroke: s.color ?? COLORS[i % COLORS.length], width: 2,
      dash: s.dash, points: { show: s.points ?? xs.length < 40 },
    }))],
    hooks: {
      drawAxes: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.setLineDash([4, 4]);
        // Vertical lines at marker x positions (trigger firings), drawn under the series.
        ctx.strokeStyle = '#9a6700';
        for (const m of markers) {
          const x = Math.round(u.valToPos(m, 'x', true));
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        }
        // A horizontal threshold across the whole plot (the decay threshold), with its label.
        if (hline && hline.value !== null && hline.value !== undefined) {
          const y = Math.round(u.valToPos(hline.value, 'y', true));
          ctx.strokeStyle = '#b42318';
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(u.bbox.left, y);
          ctx.lineTo(u.bbox.left + u.bbox.width, y);
          ctx.stroke();
          ctx.fillStyle = '#b42318';
          ctx.textAlign = 'left';
          ctx.textBaseline = 'bottom';
          ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
          ctx.fillText(hline.label, u.bbox.left + 6, y - 6);
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
