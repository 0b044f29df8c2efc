// Tickline dashboard: a live candlestick chart fed by /v1/stream (same subscription as the strategy
// client: history from `from`, then live bars, partials included) and a pipeline panel polling
// /v1/pipeline. Plain browser script, no build step; lightweight-charts comes from /vendor.
'use strict';

(function dashboard() {
  const LWC = window.LightweightCharts;
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const TIMEFRAME_MS = { s: 1000, m: 60000, h: 3600000, d: 86400000, w: 604800000 };
  const HISTORY_BARS = 300;
  const PIPELINE_EVERY_MS = 2000;

  // A token from the link (#token=...) is kept for the tab only and removed from the address bar.
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('tickline.token', fromHash);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = () => sessionStorage.getItem('tickline.token') || '';

  function status(text) {
    $('status').textContent = text;
  }

  async function api(path) {
    const headers = token() ? { authorization: `Bearer ${token()}` } : {};
    const response = await fetch(path, { headers });
    const body = await response.json();
    if (response.status === 401 || response.status === 403) {
      $('token-label').hidden = false;
      throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
    }
    if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
    return body;
  }

  function timeframeMs(tf) {
    const match = /^(\d+)([smhdw])$/.exec(tf);
    return match ? Number(match[1]) * TIMEFRAME_MS[match[2]] : 60000;
  }

  // ---- chart ----------------------------------------------------------------------------------
  const chart = LWC.createChart($('chart'), {
    autoSize: true,
    layout: { background: { color: '#131722' }, textColor: '#d1d4dc' },
    grid: { vertLines: { color: '#1e222d' }, horzLines: { color: '#1e222d' } },
    timeScale: { timeVisible: true, secondsVisible: true },
    crosshair: { mode: LWC.CrosshairMode.Normal },
  });
  const series = chart.addSeries(LWC.CandlestickSeries, {
    upColor: '#26a69a',
    downColor: '#ef5350',
    borderVisible: false,
    wickUpColor: '#26a69a',
    wickDownColor: '#ef5350',
  });
  const markers = LWC.createSeriesMarkers(series, []);
  const bars = new Map(); // chart time (UTC seconds) -> bar frame's bar
  let lastTime = 0;
  let markersQueued = false;

  const chartTime = (bar) => Math.floor(Date.parse(bar.start) / 1000);
  const candle = (bar) => ({
    time: chartTime(bar),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
  });
  const isLowQuality = (bar) => bar.quality.score < 1;

  function refreshMarkers() {
    markersQueued = false;
    const list = [];
    for (const [time, bar] of [...bars].sort((a, b) => a[0] - b[0])) {
      if (isLowQuality(bar)) {
        list.push({
          time,
          position: 'aboveBar',
          color: '#e91e63',
          shape: 'circle',
          text: bar.quality.score.toFixed(2),
        });
      }
    }
    markers.setMarkers(list);
  }

  function showBar(bar) {
    const time = chartTime(bar);
    bars.set(time, bar);
    if (time >= lastTime) {
      series.update(candle(bar));
      lastTime = time;
    } else {
      // A revision of an older bar: lightweight-charts updates only the newest, so redraw all.
      series.setData([...bars.values()].map(candle).sort((a, b) => a.time - b.time));
    }
    if (!markersQueued) {
      markersQueued = true;
      requestAnimationFrame(refreshMarkers);
    }
  }

  // ---- tooltip: OHLC and, for a low-quality bar, the reasons -----------------------------------
  const tooltip = $('tooltip');
  function renderTooltip(bar) {
    tooltip.replaceChildren();
    const head = document.createElement('div');
    head.textContent = `${bar.start}  O ${bar.open}  H ${bar.high}  L ${bar.low}  C ${bar.close}`;
    const quality = document.createElement('div');
    quality.textContent = `quality ${bar.quality.score}` + (bar.final ? '' : ' (open bar)');
    if (isLowQuality(bar)) quality.className = 'low';
    tooltip.append(head, quality);
    if (bar.quality.flags.length > 0) {
      const list = document.createElement('ul');
      for (const flag of bar.quality.flags) {
        const item = document.createElement('li');
        item.className = 'reason';
        item.textContent = `${flag.code} (−${flag.penalty})${flag.detail ? `: ${flag.detail}` : ''}`;
        list.append(item);
      }
      tooltip.append(list);
    }
  }
  chart.subscribeCrosshairMove((param) => {
    const bar = param.time === undefined ? undefined : bars.get(param.time);
    if (!param.point || bar === undefined) {
      tooltip.hidden = true;
      return;
    }
    renderTooltip(bar);
    tooltip.hidden = false;
    const box = $('chart').getBoundingClientRect();
    const left = Math.min(param.point.x + 16, box.width - tooltip.offsetWidth - 4);
    tooltip.style.left = `${Math.max(0, left)}px`;
    tooltip.style.top = `${Math.max(0, param.point.y - tooltip.offsetHeight - 12)}px`;
  });

  // ---- live bars over /v1/stream ---------------------------------------------------------------
  let socket;
  let retryMs = 500;
  function subscribe() {
    const instrument = $('instrument').value;
    const timeframe = $('timeframe').value;
    if (!instrument) return;
    if (socket) socket.close(1000, 'switching');
    bars.clear();
    lastTime = 0;
    series.setData([]);
    markers.setMarkers([]);
    const protocols = ['tickline.v1'];
    if (token()) {
      const bytes = new TextEncoder().encode(token());
      const b64 = btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
      protocols.push(`tickline.bearer.${b64}`);
    }
    const ws = new WebSocket(
      `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/stream`,
      protocols,
    );
    socket = ws;
    const from =
      params.get('from') || new Date(Date.now() - HISTORY_BARS * timeframeMs(timeframe)).toISOString();
    const frame = {
      op: 'subscribe',
      id: 'chart',
      channel: 'bars',
      instrument,
      timeframe,
      from,
      partial: true,
    };
    if (params.get('source')) frame.source = params.get('source');
    ws.onopen = () => {
      retryMs = 500;
      ws.send(JSON.stringify(frame));
      status(`${instrument} ${timeframe}: live`);
    };
    ws.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === 'bar') showBar({ ...data.bar, kind: data.kind });
      else if (data.type === 'error') status(`${data.code}: ${data.message}`);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      status(`disconnected (${event.code}${event.reason ? `: ${event.reason}` : ''}); retrying`);
      // Resubscribing replays from `from`, so the chart is redrawn whole: nothing missed in between.
      setTimeout(subscribe, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    };
  }

  // ---- pipeline panel --------------------------------------------------------------------------
  const number = (value, digits = 0) =>
    value === null || value === undefined
      ? 'n/a'
      : Number(value).toLocaleString('en-US', { maximumFractionDigits: digits });

  async function refreshPipeline() {
    try {
      const p = await api('/v1/pipeline');
      $('ingest-rate').textContent =
        p.ingestRatePerSec === null ? 'measuring…' : `${number(p.ingestRatePerSec, 1)} /s`;
      $('stream-lag').textContent = number(p.streamLag);
      $('pending').textContent = number(p.pending);
      $('reconnects').textContent = number(p.reconnects);
      $('gaps').textContent = number(p.gaps);
      const sources = Object.entries(p.deadLetters.bySource)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ');
      $('dlq').textContent = number(p.deadLetters.total) + (sources ? ` (${sources})` : '');
      const b = p.backfill;
      $('backfill').textContent =
        `${number(b.queued)} queued, ${number(b.running)} running` +
        (b.progress === null ? '' : ` (${number(b.progress * 100)}%)`) +
        (b.failed > 0 ? `, ${number(b.failed)} failed` : '');
      $('services').replaceChildren(
        ...p.services.map((s) => {
          const item = document.createElement('li');
          item.textContent = `${s.service}: ${s.alive ? 'alive' : 'dead'}`;
          if (!s.alive) item.className = 'dead';
          return item;
        }),
      );
      $('pipeline-error').hidden = true;
    } catch (error) {
      $('pipeline-error').hidden = false;
      $('pipeline-error').textContent = `pipeline: ${error.message}`;
    }
  }

  // ---- start -----------------------------------------------------------------------------------
  $('token').addEventListener('change', (event) => {
    sessionStorage.setItem('tickline.token', event.target.value);
    start();
  });

  async function start() {
    try {
      const { instruments } = await api('/v1/instruments');
      const select = $('instrument');
      select.replaceChildren(
        ...instruments.map((i) => {
          const option = document.createElement('option');
          option.value = option.textContent = i.id;
          return option;
        }),
      );
      if (params.get('instrument')) select.value = params.get('instrument');
      if (params.get('timeframe')) $('timeframe').value = params.get('timeframe');
      select.onchange = subscribe;
      $('timeframe').onchange = subscribe;
      subscribe();
    } catch (error) {
      status(`cannot list instruments: ${error.message}`);
    }
    refreshPipeline();
  }
  setInterval(refreshPipeline, PIPELINE_EVERY_MS);

  // For the end-to-end test and for debugging from the console.
  window.ticklineDashboard = {
    barCount: () => bars.size,
    lowQualityTimes: () => [...bars].filter(([, bar]) => isLowQuality(bar)).map(([time]) => time),
    pointOf(time) {
      const bar = bars.get(time);
      const x = chart.timeScale().timeToCoordinate(time);
      const y = bar === undefined ? null : series.priceToCoordinate((bar.high + bar.low) / 2);
      return x === null || y === null ? null : { x, y };
    },
    showRange(from, to) {
      chart.timeScale().setVisibleRange({ from, to });
    },
  };
  start();
})();
