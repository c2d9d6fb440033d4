/*
 * Charts that fit their column on any screen.
 *
 * The book's charts are Vega-Lite specs drawn by vega-embed (see
 * osl_helpers/rendering.py, which calls window.oslEmbed when this file is
 * loaded). On a wide screen a spec is drawn as written. When the drawn chart
 * is wider than its column, the spec is redrawn narrower: legends go below the
 * plot with one entry per line, side-by-side panels are stacked, titles and
 * axis titles are cut to the column, and every plot width is scaled down until
 * the whole chart fits. Resizing the window redraws from the original spec.
 *
 * window.oslFitting counts charts still being drawn or fitted; it is 0 once
 * every chart on the page has its final size (the browser test waits for it).
 */
(function () {
  'use strict';

  var NARROW = 640; // below this column width, legends go below and panels stack
  var MIN_SCALE = 0.25;
  var charts = [];
  window.oslFitting = 0;

  function clone(x) { return JSON.parse(JSON.stringify(x)); }

  function columnWidth(el) {
    // The chart's div is a block that the theme's CSS keeps inside the text column.
    return Math.max(120, Math.floor(el.clientWidth));
  }

  function drawnWidth(el) {
    var svg = el.querySelector('svg, canvas');
    return svg ? svg.getBoundingClientRect().width : 0;
  }

  // Visit every view-like object of a spec (not its data or its config).
  function walk(node, visit) {
    if (Array.isArray(node)) { node.forEach(function (n) { walk(n, visit); }); return; }
    if (!node || typeof node !== 'object') return;
    visit(node);
    Object.keys(node).forEach(function (k) {
      if (k !== 'data' && k !== 'datasets' && k !== 'values' && k !== 'config') walk(node[k], visit);
    });
  }

  function narrowLayout(spec, width) {
    var cfg = spec.config = spec.config || {};
    cfg.legend = Object.assign({}, cfg.legend, {
      orient: 'bottom', direction: 'vertical', columns: 1,
      labelLimit: Math.max(60, width - 60), titleLimit: Math.max(60, width - 30)
    });
    cfg.title = Object.assign({}, cfg.title, { limit: Math.max(80, width - 10) });
    cfg.axis = Object.assign({}, cfg.axis, { titleLimit: Math.max(60, width - 80), labelLimit: 110 });
    // Fewer ticks on a narrow x axis, so that neighbouring labels do not run together.
    cfg.axisX = Object.assign({}, cfg.axisX, { labelOverlap: true, tickCount: Math.max(3, Math.floor(width / 70)) });
    walk(spec, function (v) {
      if (v.hconcat) { v.vconcat = v.hconcat; delete v.hconcat; }
      if (v.concat && v.columns) v.columns = 1;
      if (v.facet && typeof v.facet === 'object' && v.facet.column && !v.facet.row) {
        v.facet.row = v.facet.column; delete v.facet.column;
      }
      if (v.facet && v.columns) v.columns = 1;
      if (v.encoding && v.encoding.column && !v.encoding.row) {
        v.encoding.row = v.encoding.column; delete v.encoding.column;
      }
      if (v.legend && typeof v.legend === 'object') {
        // A legend placed explicitly (e.g. 'right') would keep the chart wide.
        delete v.legend.orient; delete v.legend.legendX; delete v.legend.legendY;
        v.legend.columns = 1;
      }
    });
    return spec;
  }

  function scaleWidths(spec, scale) {
    var cfg = spec.config = spec.config || {};
    var view = cfg.view = Object.assign({}, cfg.view);
    view.continuousWidth = Math.round((view.continuousWidth || 300) * scale);
    var step = view.discreteWidth && view.discreteWidth.step;
    view.discreteWidth = { step: Math.max(2, (step || 20) * scale) };
    walk(spec, function (v) {
      if (typeof v.width === 'number') v.width = Math.max(40, Math.round(v.width * scale));
      else if (v.width && typeof v.width === 'object' && typeof v.width.step === 'number') {
        v.width = { step: Math.max(2, v.width.step * scale) };
      }
    });
    return spec;
  }

  function fitted(chart, width, scale) {
    var spec = clone(chart.spec);
    if (width < NARROW) narrowLayout(spec, width);
    if (scale < 1) scaleWidths(spec, scale);
    return spec;
  }

  function draw(chart, spec) {
    if (chart.result) { try { chart.result.finalize(); } catch (e) { /* already gone */ } }
    return chart.embed(chart.el, spec, chart.opts).then(function (result) {
      chart.result = result;
      return result;
    });
  }

  // Draw as written; while wider than the column, redraw narrower (at most a few times).
  function fit(chart) {
    var width = columnWidth(chart.el);
    chart.width = width;
    var scale = 1;
    var tries = 0;
    window.oslFitting += 1;
    function step() {
      var drawn = drawnWidth(chart.el);
      if (drawn <= width + 1 || tries >= 5 || scale <= MIN_SCALE) return null;
      tries += 1;
      scale = Math.max(MIN_SCALE, scale * (width / drawn) * 0.97);
      return draw(chart, fitted(chart, width, scale)).then(step);
    }
    return draw(chart, fitted(chart, width, 1))
      .then(step)
      .catch(function (err) { console.error(err); })
      .then(function () { window.oslFitting -= 1; });
  }

  window.oslEmbed = function (target, spec, opts) {
    var el = typeof target === 'string' ? document.querySelector(target) : target;
    var chart = { el: el, spec: spec, opts: opts || {}, embed: window.vegaEmbed, result: null };
    charts.push(chart);
    return fit(chart);
  };

  var pending = null;
  window.addEventListener('resize', function () {
    if (pending) clearTimeout(pending);
    pending = setTimeout(function () {
      pending = null;
      charts.forEach(function (chart) {
        if (Math.abs(columnWidth(chart.el) - chart.width) > 20) fit(chart);
      });
    }, 200);
  });
})();
