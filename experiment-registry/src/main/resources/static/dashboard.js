// Shared helpers of the registry's dashboard: fetching the registry's API, formatting, charts.
'use strict';
const cg = {
  /** GETs the registry's JSON; where reads need a key (cgfed.security.open-reads=false), asks for one once per tab. */
  async json(path) {
    const headers = { Accept: 'application/json' };
    const key = sessionStorage.getItem('cgfedApiKey');
    if (key) headers.Authorization = 'Bearer ' + key;
    const r = await fetch(path, { headers });
    if (r.status === 401 && !cg.asked) {
      cg.asked = true;
      const k = window.prompt('This registry needs an API key to read (a READER key is enough):');
      if (k) { sessionStorage.setItem('cgfedApiKey', k.trim()); return cg.json(path); }
    }
    if (!r.ok) {
      let detail = r.status + ' ' + r.statusText;
      try { detail = (await r.json()).detail || detail; } catch (e) { /* not a problem body */ }
      throw new Error(detail);
    }
    return { body: await r.json(), headers: r.headers };
  },
  /**
   * Downloads a file through fetch so the tab's key goes with it: model weights need a key even where
   * reads are open (cgfed.security.open-weight-reads); asks for one on a 401.
   */
  async download(path) {
    const headers = {};
    const key = sessionStorage.getItem('cgfedApiKey');
    if (key) headers.Authorization = 'Bearer ' + key;
    const r = await fetch(path, { headers });
    if (r.status === 401) {
      const k = window.prompt('Model weights need an API key to download (a READER key is enough):');
      if (k) { sessionStorage.setItem('cgfedApiKey', k.trim()); return cg.download(path); }
    }
    if (!r.ok) {
      let detail = r.status + ' ' + r.statusText;
      try { detail = (await r.json()).detail || detail; } catch (e) { /* not a problem body */ }
      throw new Error(detail);
    }
    const disposition = /filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') || '');
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = disposition ? disposition[1] : path.split('/').pop();
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  },
  esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  },
  num(v, digits = 3) { return v == null ? '–' : Number(v).toFixed(digits); },
  bytes(v) {
    if (v == null) return '–';
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0, x = Number(v);
    while (x >= 1024 && i < u.length - 1) { x /= 1024; i++; }
    return (i === 0 ? x.toFixed(0) : x.toFixed(1)) + ' ' + u[i];
  },
  status(s) { return '<span class="status ' + cg.esc(s) + '">' + cg.esc(s) + '</span>'; },
  param(name) { return new URLSearchParams(location.search).get(name); },
  fail(e) {
    const box = document.getElementById('error');
    box.hidden = false;
    box.textContent = e.message || String(e);
    document.body.dataset.ready = 'error';
  },
  colours: ['#2f6fdf', '#e8590c', '#2b8a3e', '#ae3ec9', '#c92a2a', '#0c8599', '#5f3dc4', '#e67700'],
  /**
   * A Chart.js chart on canvas `id`. Its data also goes into a data-series attribute and a hidden
   * table next to the canvas, so that tests and screen readers see the values the chart draws.
   */
  chart(id, config) {
    const canvas = document.getElementById(id);
    const series = config.data.datasets.map(d => ({ label: d.label, data: d.data }));
    canvas.dataset.series = JSON.stringify({ labels: config.data.labels || null, datasets: series });
    let table = canvas.parentElement.querySelector('table.chart-data');
    if (!table) {
      table = document.createElement('table');
      table.className = 'chart-data';
      canvas.parentElement.appendChild(table);
    }
    table.innerHTML = series.map(s => '<tr><th>' + cg.esc(s.label) + '</th>' + s.data.map(p =>
      '<td>' + cg.esc(typeof p === 'object' && p !== null ? p.x + ':' + p.y : p) + '</td>').join('') + '</tr>').join('');
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    const old = Chart.getChart(canvas);
    if (old) old.destroy();
    const chart = new Chart(canvas, config);
    // what Chart.js laid out: points per dataset (a chart that failed to draw has none)
    canvas.dataset.rendered = chart.data.datasets.map((d, i) => chart.getDatasetMeta(i).data.length).join(',');
    return chart;
  },
};
