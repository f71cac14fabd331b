// PatientTwin portal charts. Data comes from <script type="application/json"> blocks rendered by the
// server (no inline script: the Content-Security-Policy forbids it). Chart.js is served by the app.
(function () {
  'use strict';
  var palette = ['#1f5fa8', '#b3541e', '#2e7d32', '#6a3d9a'];

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var trends = {};

  function trendChart(holder, name, unit, labels, values) {
    var figure = document.createElement('figure');
    figure.className = 'trend';
    var canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', name + ' over time');
    canvas.id = 'trend-' + name;
    var caption = document.createElement('figcaption');
    caption.textContent = name + (unit ? ' (' + unit + ')' : '');
    figure.appendChild(canvas);
    figure.appendChild(caption);
    holder.appendChild(figure);
    trends[name] = new Chart(canvas, {
      type: 'line',
      data: {
        labels: labels,
        datasets: [{ label: name, data: values, borderColor: palette[0], pointRadius: 3, tension: 0 }]
      },
      options: { animation: false, plugins: { legend: { display: false } }, scales: { y: { title: { display: true, text: unit || '' } } } }
    });
    return trends[name];
  }

  function trendCharts() {
    var charts = data('twin-charts');
    var holder = document.getElementById('trend-charts');
    if (!charts || !holder || typeof Chart === 'undefined') { return; }
    charts.forEach(function (c) {
      trendChart(holder, c.name, c.unit, c.t.map(function (t) { return t.substring(0, 10); }), c.y);
    });
    holder.setAttribute('data-rendered', String(charts.length));
  }

  // Live readings: Server-Sent Events of the twin page; the server gates each one like a read and ends
  // the stream (event "end") when this user may no longer see the patient.
  function liveReadings() {
    var status = document.getElementById('live-status');
    var holder = document.getElementById('trend-charts');
    if (!status || !holder || typeof EventSource === 'undefined' || typeof Chart === 'undefined') { return; }
    var source = new EventSource(status.getAttribute('data-live'));
    function state(name, text) { status.setAttribute('data-state', name); status.textContent = text; }
    source.addEventListener('ready', function () { state('open', 'Live: new device readings appear as they arrive.'); });
    source.addEventListener('reading', function (event) {
      JSON.parse(event.data).forEach(function (p) {
        var label = p.t ? p.t.substring(0, 19).replace('T', ' ') : '';
        var chart = trends[p.name];
        if (chart) {
          chart.data.labels.push(label);
          chart.data.datasets[0].data.push(p.y);
          chart.update();
        } else {
          trendChart(holder, p.name, p.unit, [label], [p.y]);
        }
        var latest = document.querySelector('tr[data-series="' + p.name + '"] td.latest');
        if (latest) { latest.textContent = String(p.y); }
        holder.setAttribute('data-live-points', String(Number(holder.getAttribute('data-live-points') || '0') + 1));
        holder.setAttribute('data-live-last', p.name + '=' + p.y);
      });
    });
    source.addEventListener('end', function (event) {
      source.close();
      state('ended', 'Live updates ended: ' + JSON.parse(event.data).reason);
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) { state('ended', 'Live updates ended.'); } else { state('reconnecting', 'Reconnecting to live readings…'); }
    };
  }

  function simulationChart() {
    var d = data('simulation-data');
    var canvas = document.getElementById('simulation-chart');
    if (!d || !canvas || typeof Chart === 'undefined' || !d.regimens.length) { return; }
    var n = d.regimens[0].values.length;
    var labels = [];
    for (var i = 0; i < n; i++) { labels.push(Math.round(i * d.stepHours * 10) / 10); }
    var sets = [];
    d.regimens.forEach(function (r, k) {
      var colour = palette[k % palette.length];
      if (r.p5 && r.p95) {
        sets.push({ label: r.label + ' 5th pct', data: r.p5, borderWidth: 0, pointRadius: 0, fill: false, borderColor: 'transparent' });
        sets.push({ label: r.label + ' 95th pct', data: r.p95, borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: colour + '22', borderColor: 'transparent' });
        sets.push({ label: r.label + ' cohort median', data: r.median, borderColor: colour, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 });
      }
      sets.push({ label: r.label, data: r.values, borderColor: colour, pointRadius: 0, borderWidth: 2 });
    });
    if (d.low != null) { sets.push({ label: 'target low', data: labels.map(function () { return d.low; }), borderColor: '#2e7d32', borderDash: [2, 3], pointRadius: 0, borderWidth: 1 }); }
    if (d.high != null) { sets.push({ label: 'target high', data: labels.map(function () { return d.high; }), borderColor: '#2e7d32', borderDash: [2, 3], pointRadius: 0, borderWidth: 1 }); }
    new Chart(canvas, {
      type: 'line',
      data: { labels: labels, datasets: sets },
      options: {
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { title: { display: true, text: 'hours' }, ticks: { maxTicksLimit: 14 } },
          y: { title: { display: true, text: d.output + (d.unit ? ' (' + d.unit + ')' : '') } }
        }
      }
    });
    canvas.setAttribute('data-rendered', String(sets.length));
  }

  function start() { trendCharts(); liveReadings(); simulationChart(); }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
  document.addEventListener('htmx:afterSettle', simulationChart);
}());
