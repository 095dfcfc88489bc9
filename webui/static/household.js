/* Household page charts: drawn with Chart.js (served from /static/vendor) from the panel's JSON API.
   Each chart is kept in window.eldercareCharts[name] and its canvas gets data-drawn="1" once drawn,
   so people (and the browser tests) can tell real data from an empty frame. */
(function () {
  "use strict";
  var root = document.querySelector(".charts");
  if (!root || !window.Chart) { return; }
  var charts = (window.eldercareCharts = {});
  var INK = "#1d2433", MUTED = "#5b6475", GRID = "#e6e9ef";
  var BLUE = "#2f5d8a", LIGHT_BLUE = "rgba(47,93,138,.18)", ORANGE = "#d9641e", PURPLE = "#6b4fa0";
  var APPLIANCE_COLOURS = ["#2f5d8a", "#d9641e", "#3c9a5f", "#6b4fa0", "#b58a00", "#8a1c14"];

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = MUTED;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;

  function clock(h) {
    if (h === null || h === undefined) { return ""; }
    var hours = Math.floor(h) % 24, minutes = Math.round((h - Math.floor(h)) * 60);
    return String(hours).padStart(2, "0") + ":" + String(minutes).padStart(2, "0");
  }
  function shortDay(iso) {
    var d = new Date(iso + "T12:00:00");
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short" });
  }
  function draw(name, config) {
    var canvas = document.getElementById("chart-" + name);
    if (charts[name]) { charts[name].destroy(); }
    config.options = config.options || {};
    config.options.scales = config.options.scales || {};
    Object.keys(config.options.scales).forEach(function (axis) {
      var scale = config.options.scales[axis];
      scale.grid = scale.grid || { color: GRID };
    });
    charts[name] = new Chart(canvas, config);
    canvas.dataset.drawn = "1";
    canvas.dataset.points = String(config.data.datasets.reduce(function (n, ds) {
      return n + ds.data.filter(function (v) { return v !== null && v !== undefined; }).length;
    }, 0));
  }
  // mean of the last `width` days with data (today, still going, is left out by the caller)
  function rollingMean(values, width) {
    return values.map(function (_, i) {
      var seen = values.slice(Math.max(0, i - width + 1), i + 1).filter(function (v) { return v !== null; });
      return seen.length ? Math.round(seen.reduce(function (a, b) { return a + b; }, 0) / seen.length) : null;
    });
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  function drawToday(t) {
    draw("today", {
      data: {
        labels: t.hours.map(function (h) { return String(h).padStart(2, "0") + ":00"; }),
        datasets: [
          { type: "bar", label: "Today", data: t.today, backgroundColor: BLUE, borderRadius: 3, order: 2 },
          { type: "line", label: "Usual", data: t.usual, borderColor: ORANGE, backgroundColor: ORANGE,
            borderWidth: 2, pointRadius: 0, tension: 0.3, order: 1 }
        ]
      },
      options: { scales: { y: { beginAtZero: true, max: 60, title: { display: true, text: "minutes" } } },
                 interaction: { mode: "index", intersect: false } }
    });
  }

  function drawTrends(d) {
    var labels = d.days.map(shortDay);
    draw("daily", {
      type: "bar",
      data: { labels: labels, datasets: [{ label: "Active minutes", data: d.active_minutes, borderRadius: 2,
        // the last day is today, still going: drawn lighter
        backgroundColor: d.days.map(function (_, i) { return i === d.days.length - 1 ? LIGHT_BLUE : BLUE; }), order: 2 },
        { type: "line", label: "7-day average", data: rollingMean(d.active_minutes.slice(0, -1), 7).concat([null]),
          borderColor: ORANGE, borderWidth: 2, pointRadius: 0, tension: 0.3, order: 1 }] },
      options: { scales: { y: { beginAtZero: true }, x: { ticks: { maxTicksLimit: 10 } } },
                 interaction: { mode: "index", intersect: false } }
    });
    draw("sleep", {
      type: "line",
      data: { labels: labels, datasets: [
        { label: "Woke up", data: d.wake, borderColor: ORANGE, backgroundColor: ORANGE, pointRadius: 2, spanGaps: false },
        { label: "Went to bed", data: d.bed, borderColor: PURPLE, backgroundColor: PURPLE, pointRadius: 2, spanGaps: false }
      ] },
      options: { scales: { y: { ticks: { stepSize: 2, callback: clock }, title: { display: true, text: "time of day" } },
                           x: { ticks: { maxTicksLimit: 10 } } },
                 plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + " " + clock(c.parsed.y); } } } } }
    });
    draw("night", {
      type: "bar",
      data: { labels: labels, datasets: [{ label: "Night activity", data: d.night_active_minutes, backgroundColor: PURPLE, borderRadius: 2 }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true }, x: { ticks: { maxTicksLimit: 10 } } } }
    });
    draw("appliances", {
      type: "bar",
      data: { labels: d.appliance_days.map(shortDay), datasets: d.appliances.map(function (a, i) {
        return { label: a.name, data: a.minutes, backgroundColor: APPLIANCE_COLOURS[i % APPLIANCE_COLOURS.length], borderRadius: 2 };
      }) },
      options: { scales: { x: { stacked: true, ticks: { maxTicksLimit: 10 } }, y: { stacked: true, beginAtZero: true } } }
    });
    drawHeatmap(d);
    root.dataset.days = String(d.days.length);
  }

  function hourLabel(h) { return String(h).padStart(2, "0") + ":00"; }

  function drawHeatmap(d) {
    var n = d.days.length, hours = [];
    for (var h = 0; h < 24; h++) { hours.push(hourLabel(h)); }
    var cells = d.heatmap.map(function (c) { return { x: c.day, y: hourLabel(c.hour), v: c.minutes }; });
    draw("heatmap", {
      type: "matrix",
      data: { datasets: [{
        label: "Active minutes", data: cells,
        backgroundColor: function (ctx) {
          var v = ctx.raw ? Math.min(ctx.raw.v, 60) : 0;
          return v === 0 ? "#f1f3f7" : "rgba(31,63,104," + (0.12 + 0.88 * Math.sqrt(v / 60)).toFixed(3) + ")";
        },
        borderWidth: 0,
        width: function (ctx) { var a = ctx.chart.chartArea; return a ? Math.max(1, a.width / n - (n > 120 ? 0 : 1)) : 4; },
        height: function (ctx) { var a = ctx.chart.chartArea; return a ? a.height / 24 - 1 : 4; }
      }] },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          title: function (items) { var r = items[0].raw; return shortDay(r.x) + " " + r.y; },
          label: function (c) { return c.raw.v + " active minutes"; } } } },
        scales: {
          x: { type: "category", labels: d.days, offset: true, grid: { display: false },
               ticks: { maxTicksLimit: 12, callback: function (v) { return shortDay(d.days[v]); } } },
          y: { type: "category", labels: hours, offset: true, grid: { display: false },
               ticks: { autoSkip: false, callback: function (v) { return v % 3 === 0 ? hours[v] : ""; } } }
        }
      }
    });
  }

  function loadTrends(days) {
    root.querySelectorAll(".range button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.days === String(days)));
    });
    return getJSON(root.dataset.trendsUrl + "?days=" + days).then(drawTrends);
  }

  root.querySelectorAll(".range button").forEach(function (b) {
    b.addEventListener("click", function () { loadTrends(Number(b.dataset.days)); });
  });
  Promise.all([getJSON(root.dataset.todayUrl).then(drawToday), loadTrends(30)]).then(function () {
    root.dataset.ready = "1";
  }).catch(function (err) {
    root.dataset.error = String(err);
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = "The charts could not be loaded (" + err.message + "). Reload the page to try again.";
    root.prepend(p);
  });
})();
