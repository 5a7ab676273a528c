// The report page's script (runs in the browser, plain ES5-style JavaScript, no modules): the
// price chart with the rules' indicator lines, entry and exit markers, each trade's stop and target
// as a segment from its entry to its exit, and a tooltip saying why a trade was entered and how it
// ended; the equity curve against buy and hold; the drawdown. When done it records what it drew in
// `window.botctlReport` (tests read it) and sets body[data-rendered].
//
// Markers and segments need times that exist on the chart, so trade times snap to the chart
// candle containing them (candles may be merged on long runs). Chart times must increase
// strictly, so every series is built from sorted, distinct seconds.
export const PAGE_SCRIPT = `
(function () {
  var LC = window.LightweightCharts;
  var D = JSON.parse(document.getElementById('data').textContent);
  var drawn = { candles: D.candles.length, lines: 0, markers: 0, segments: 0, equity: 0, drawdown: 0, buyHold: 0 };
  var times = D.candles.map(function (c) { return c[0]; });
  function snapIndex(t) {
    var lo = 0, hi = times.length - 1;
    if (hi < 0 || t <= times[0]) return 0;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (times[mid] <= t) lo = mid; else hi = mid - 1; }
    return lo;
  }
  function snap(t) { return times.length ? times[snapIndex(t)] : t; }
  function fmtTime(t) { return new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' '); }
  var opts = { autoSize: true, layout: { background: { color: '#ffffff' }, textColor: '#1d2733' },
    grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
    timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: 0.01 }, rightPriceScale: { borderVisible: false },
    crosshair: { mode: 0 } };

  // ---- price chart
  if (D.candles.length) {
    var price = LC.createChart(document.getElementById('price'), opts);
    var candles = price.addSeries(LC.CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350', priceLineVisible: false });
    candles.setData(D.candles.map(function (c) { return { time: c[0], open: c[1], high: c[2], low: c[3], close: c[4] }; }));
    D.lines.forEach(function (l) {
      var s = price.addSeries(LC.LineSeries, { color: l.color, lineWidth: l.width, lineStyle: l.dashed ? 2 : 0, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false, title: '' });
      var pts = [];
      for (var i = 0; i < l.values.length; i++) pts.push(l.values[i] === null ? { time: times[i] } : { time: times[i], value: l.values[i] });
      s.setData(pts);
      drawn.lines++;
    });
    var words = D.trades.length <= 12; // labels on every marker bury a busy chart; the tooltip says it all
    var markers = [];
    var byTime = {};
    function note(t, text) { (byTime[t] = byTime[t] || []).push(text); }
    D.trades.forEach(function (t, i) {
      var long = t.side === 'long';
      var a = snap(t.entry), b = snap(t.exit);
      markers.push({ time: a, position: long ? 'belowBar' : 'aboveBar', color: long ? '#1a7f37' : '#c62828', shape: long ? 'arrowUp' : 'arrowDown', text: words ? (long ? 'Long ' : 'Short ') + t.qty : '' });
      markers.push({ time: b, position: long ? 'aboveBar' : 'belowBar', color: t.net >= 0 ? '#1a7f37' : '#c62828', shape: 'circle', text: words ? t.reason.replace(/_/g, ' ') + ' ' + t.netText : '' });
      note(a, '#' + (i + 1) + ' ' + (long ? 'long' : 'short') + ' ' + t.qty + ' at ' + t.entryPrice + (t.why ? ': ' + t.why : ''));
      note(b, '#' + (i + 1) + ' closed by ' + t.reason.replace(/_/g, ' ') + ' at ' + t.exitPrice + ', net ' + t.netText);
    });
    markers.sort(function (x, y) { return x.time - y.time; });
    LC.createSeriesMarkers(candles, markers);
    drawn.markers = markers.length;

    // Each trade's stop and target: a segment from its entry candle to its exit candle.
    var segs = [];
    D.trades.forEach(function (t) {
      if (t.stop !== null) segs.push({ a: snap(t.entry), b: snap(t.exit), p: t.stop, c: '#c62828' });
      if (t.target !== null) segs.push({ a: snap(t.entry), b: snap(t.exit), p: t.target, c: '#1a7f37' });
    });
    drawn.segments = segs.length;
    var chartRef = null, seriesRef = null;
    candles.attachPrimitive({
      attached: function (p) { chartRef = p.chart; seriesRef = p.series; },
      paneViews: function () { return [segmentView]; },
    });
    var segmentView = { renderer: function () { return { draw: function (target) {
      if (!chartRef) return;
      var ts = chartRef.timeScale();
      var half = Math.max(1, ts.options().barSpacing / 2);
      target.useMediaCoordinateSpace(function (scope) {
        var ctx = scope.context;
        ctx.save();
        ctx.lineWidth = 1.5;
        ctx.setLineDash([5, 3]);
        segs.forEach(function (s) {
          var x1 = ts.timeToCoordinate(s.a), x2 = ts.timeToCoordinate(s.b), y = seriesRef.priceToCoordinate(s.p);
          if (x1 === null || x2 === null || y === null) return;
          ctx.strokeStyle = s.c;
          ctx.beginPath();
          ctx.moveTo(x1 - half, y);
          ctx.lineTo(x2 + half, y);
          ctx.stroke();
        });
        ctx.restore();
      });
    } }; } };

    var tip = document.getElementById('tip');
    price.subscribeCrosshairMove(function (param) {
      if (!param.time || !param.point) { tip.style.display = 'none'; return; }
      var bar = param.seriesData.get(candles);
      var lines = [fmtTime(param.time) + ' UTC' + (bar ? '  O ' + bar.open + '  H ' + bar.high + '  L ' + bar.low + '  C ' + bar.close : '')];
      (byTime[param.time] || []).forEach(function (x) { lines.push(x); });
      D.trades.forEach(function (t, i) {
        var a = snap(t.entry), b = snap(t.exit);
        if (param.time > a && param.time < b) lines.push('#' + (i + 1) + ' ' + t.side + ' open since ' + fmtTime(t.entry) + (t.stop !== null ? ', stop ' + t.stop : '') + (t.target !== null ? ', target ' + t.target : ''));
      });
      D.lines.forEach(function (l) {
        var v = l.values[snapIndex(param.time)];
        if (v !== null && v !== undefined) lines.push(l.label + ' = ' + (Math.round(v * 100) / 100));
      });
      tip.textContent = lines.join('\\n');
      tip.style.display = 'block';
      var box = document.getElementById('price').getBoundingClientRect();
      tip.style.left = Math.min(box.left + window.scrollX + param.point.x + 16, window.scrollX + box.right - tip.offsetWidth - 8) + 'px';
      tip.style.top = (box.top + window.scrollY + param.point.y + 16) + 'px';
    });
    price.timeScale().fitContent();
  }

  // ---- equity against buy and hold, and the drawdown
  var eq = LC.createChart(document.getElementById('equity'), opts);
  if (D.buyHold.length) {
    eq.addSeries(LC.LineSeries, { color: '#8c959f', lineWidth: 1, lineStyle: 2, priceLineVisible: false, lastValueVisible: false, title: 'buy and hold' })
      .setData(D.buyHold.map(function (e) { return { time: e[0], value: e[1] }; }));
    drawn.buyHold = D.buyHold.length;
  }
  eq.addSeries(LC.LineSeries, { color: '#2962ff', lineWidth: 2, title: 'equity' }).setData(D.equity.map(function (e) { return { time: e[0], value: e[1] }; }));
  drawn.equity = D.equity.length;
  eq.timeScale().fitContent();
  var dd = LC.createChart(document.getElementById('drawdown'), opts);
  dd.addSeries(LC.AreaSeries, { lineColor: '#c62828', topColor: 'rgba(198,40,40,0.05)', bottomColor: 'rgba(198,40,40,0.35)', invertFilledArea: true, lineWidth: 1 })
    .setData(D.equity.map(function (e) { return { time: e[0], value: e[2] }; }));
  drawn.drawdown = D.equity.length;
  dd.timeScale().fitContent();
  window.botctlReport = drawn;
  document.body.setAttribute('data-rendered', 'yes');
})();
`;
