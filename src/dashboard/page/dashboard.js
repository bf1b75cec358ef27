// The daq dashboard: status and control over the daq serve HTTP API, live plots from its
// ring taps. Plain script, no build step; uPlot is served by daq itself.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "daq-token";
const WINDOW_KEY = "daq-live-window";
const state = {
  status: null,
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  liveKey: "",
  liveColumns: new Set(),
  liveSource: null,
  liveSeq: 0,
  liveMissed: 0,
  plots: {},
  rates: { t: [], msgs: [], mb: [], fill: [] },
  ratesRun: null,
  logSince: 0,
};

// ---- formatting -------------------------------------------------------------------------
const fmt = (v, digits = 1) =>
  v === undefined || v === null || Number.isNaN(v) ? "" : Number(v).toFixed(digits);
const fmtCount = (v) => (v ? String(v) : "0");
function fmtDuration(s) {
  if (s === undefined || s === null) return "";
  s = Math.max(0, Math.floor(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? `${h}:${String(m).padStart(2, "0")}` : `${m}`) + `:${String(r).padStart(2, "0")}`;
}
function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- HTTP ----------------------------------------------------------------------------------
async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method: options.method || "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let value;
  try {
    value = text ? JSON.parse(text) : null;
  } catch {
    value = { error: text };
  }
  if (!res.ok) {
    const err = new Error((value && value.error) || `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return value;
}

/**
 * Server-Sent Events over fetch (EventSource cannot send the token header): calls `onData`
 * with each event's parsed data, reconnects after a second with Last-Event-ID, until
 * `stop()`.
 */
function streamEvents(path, onData, onState) {
  let stopped = false;
  let lastId = "";
  let controller;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const headers = { accept: "text/event-stream" };
        if (state.token) headers.authorization = `Bearer ${state.token}`;
        if (lastId) headers["last-event-id"] = lastId;
        const res = await fetch(path, { headers, signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`${res.status}`);
        onState && onState("open");
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end;
          while ((end = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("data:")) data += line.slice(5).trimStart();
              else if (line.startsWith("id:")) lastId = line.slice(3).trim();
            }
            if (data) onData(JSON.parse(data), Number(lastId));
          }
        }
      } catch {
        // closed or refused: try again below
      }
      if (stopped) return;
      onState && onState("reconnecting");
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  run();
  return {
    stop: () => {
      stopped = true;
      controller && controller.abort();
    },
  };
}

// ---- header and controls -------------------------------------------------------------------
function renderHeader(s) {
  const st = s.state;
  const badge = $("state");
  badge.textContent = st;
  badge.className = `badge ${st}`;
  $("run-number").textContent = s.run
    ? `run ${s.run.number}`
    : (s.lastRun ? `last run ${s.lastRun}` : "no run");
  $("run-time").textContent = s.run ? fmtDuration(s.run.runTimeS) : "";
  $("comment").textContent = s.run ? (s.run.comment || "") : "";
  const canControl = Boolean(state.token);
  $("btn-start").disabled = !canControl || st !== "idle";
  $("btn-stop").disabled = !canControl || !(st === "running" || st === "paused");
  $("btn-pause").disabled = !canControl || st !== "running";
  $("btn-resume").disabled = !canControl || st !== "paused";
  $("control-note").textContent = canControl ? "" : "read-only: no token";
  renderFlow(s);
}

/** One word on whether data reaches the stores, for a glance from across the room. */
function renderFlow(s) {
  const f = $("flow");
  const jobs = (s.stats && s.stats.jobs) || [];
  if (s.state === "idle" || !s.stats) {
    f.textContent = "";
    f.className = "flow";
    return;
  }
  const stores = jobs.filter((j) => j.type.startsWith("store."));
  const bad = jobs.filter((j) => j.state === "failed");
  const dropping = jobs.filter((j) => j.drops > 0 || j.gaps > 0);
  const flowing = stores.length > 0 && stores.every((j) => j.msgsInPerS > 0);
  if (bad.length) {
    f.textContent = `${bad.length} job${bad.length > 1 ? "s" : ""} failed`;
    f.className = "flow bad";
  } else if (s.state === "paused") {
    f.textContent = "paused";
    f.className = "flow warn";
  } else if (dropping.length) {
    f.textContent = `losses: ${dropping.map((j) => j.name).join(", ")}`;
    f.className = "flow warn";
  } else if (flowing) {
    f.textContent = "data flowing";
    f.className = "flow ok";
  } else {
    f.textContent = "no data arriving";
    f.className = "flow warn";
  }
}

async function control(path, body) {
  try {
    await api(path, { method: "POST", body: body || {} });
  } catch (e) {
    addLog("error", `${path}: ${e.message}`);
    if (e.status === 401) setToken("");
  }
  refreshStatus();
  refreshRuns();
}

function setToken(token) {
  state.token = token;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  if (state.status) renderHeader(state.status);
}

$("btn-start").onclick = () => control("/api/runs", { comment: $("start-comment").value });
$("btn-stop").onclick = () => control("/api/runs/current/stop");
$("btn-pause").onclick = () => control("/api/runs/current/pause");
$("btn-resume").onclick = () => control("/api/runs/current/resume");
$("btn-token").onclick = () => {
  const t = prompt(
    "Token (from daq serve's --token-file); kept for this browser session",
    state.token,
  );
  if (t !== null) setToken(t.trim());
};

// ---- alarms ---------------------------------------------------------------------------------
let alarmsAsked = 0;

async function refreshAlarms() {
  let alarms;
  try {
    alarms = await api("/api/alarms");
  } catch {
    return;
  }
  const box = $("alarms");
  box.replaceChildren();
  for (const a of alarms) {
    const chip = el("span", {
      class: `alarm ${a.state} ${a.level}-level`,
      "data-alarm": a.name,
      title: `${a.condition}${
        a.value === undefined ? "" : ` (now ${a.value})`
      }; triggered ${a.triggers} time(s)`,
    });
    chip.append(
      el("span", {}, `${a.level === "alarm" ? "ALARM" : "warning"}: ${a.name} · ${a.state}`),
    );
    if (a.state === "triggered") {
      const ack = el("button", {}, "Ack");
      ack.disabled = !state.token;
      ack.onclick = async () => {
        try {
          await api(`/api/alarms/${encodeURIComponent(a.name)}/acknowledge`, { method: "POST" });
        } catch (e) {
          addLog("error", `acknowledge ${a.name}: ${e.message}`);
        }
        refreshAlarms();
      };
      chip.append(ack);
    }
    box.append(chip);
  }
}

// ---- jobs table ----------------------------------------------------------------------------
function trouble(job) {
  if (job.state === "failed") return "bad";
  if (job.state === "restarting" || job.drops > 0 || job.gaps > 0) return "warn";
  if (job.extra && (job.extra.connecting || job.extra.reconnecting)) return "warn";
  return "";
}

function renderJobs(s) {
  const body = $("jobs").tBodies[0];
  body.replaceChildren();
  const jobs = (s.stats && s.stats.jobs) || (s.jobs || []);
  const ids = s.identities || (s.stats && s.stats.identities) || {};
  for (const j of jobs) {
    const tr = el("tr");
    const t = trouble(j);
    if (t) tr.className = `trouble-${t}`;
    const mbs = ((j.bytesInPerS || 0) + (j.bytesOutPerS || 0)) / 1e6;
    const msgs = (j.msgsInPerS || 0) + (j.msgsOutPerS || 0);
    const note = ids[j.name] || j.identity ||
      (j.state === "failed" || j.state === "restarting" ? j.lastError || "" : "");
    const cells = [
      [j.name],
      [j.type],
      [j.state, `state ${j.state}`],
      [fmt(msgs, 0), "n"],
      [fmt(mbs, 2), "n"],
      [`${fmt((j.ringFill || 0) * 100, 0)}%`, "n"],
      [fmtCount(j.drops), "n"],
      [fmtCount(j.gaps), "n"],
      [fmtCount(j.restarts), "n"],
      [j.msgsIn ? fmt(j.latencyP50Ms, 2) : "", "n"],
      [j.msgsIn ? fmt(j.latencyP99Ms, 2) : "", "n"],
      [note],
    ];
    for (const [text, cls] of cells) tr.append(el("td", cls ? { class: cls } : {}, text));
    body.append(tr);
  }
}

// ---- rates plot ----------------------------------------------------------------------------
function addRates(s) {
  if (!s.stats || !s.run) return;
  if (state.ratesRun !== s.run.number) {
    state.ratesRun = s.run.number;
    state.rates = { t: [], msgs: [], mb: [], fill: [] };
  }
  const jobs = s.stats.jobs;
  const stores = jobs.filter((j) => j.type.startsWith("store."));
  const r = state.rates;
  r.t.push(Date.parse(s.stats.time) / 1000);
  r.msgs.push(stores.reduce((a, j) => a + j.msgsInPerS, 0));
  r.mb.push(stores.reduce((a, j) => a + j.bytesInPerS, 0) / 1e6);
  r.fill.push(Math.max(0, ...jobs.map((j) => j.ringFill || 0)) * 100);
  if (r.t.length > 36000) { for (const k of Object.keys(r)) r[k].splice(0, r[k].length - 36000); }
  drawRates();
}

function plotWidth(id) {
  return Math.max(280, $(id).clientWidth || 600);
}

function drawRates() {
  const r = state.rates;
  const data = [r.t, r.msgs, r.mb, r.fill];
  if (!state.plots.rates) {
    state.plots.rates = new uPlot(
      {
        width: plotWidth("rates-plot"),
        height: 180,
        series: [
          {},
          { label: "stores msgs/s", stroke: "#0969da", scale: "msgs" },
          { label: "stores MB/s", stroke: "#8250df", scale: "mb" },
          { label: "ring fill %", stroke: "#cf222e", scale: "%" },
        ],
        axes: [{}, { scale: "msgs" }, { scale: "mb", side: 1, grid: { show: false } }, {
          show: false,
          scale: "%",
        }],
        scales: { "%": { range: [0, 100] } },
      },
      data,
      $("rates-plot"),
    );
  } else state.plots.rates.setData(data);
}

// ---- live plots ----------------------------------------------------------------------------
const PALETTE = [
  "#0969da",
  "#cf222e",
  "#1a7f37",
  "#8250df",
  "#bf8700",
  "#0a7480",
  "#d63384",
  "#57606a",
];

function liveWindowS() {
  return Number($("live-window").value);
}

function openLive() {
  if (state.liveSource) state.liveSource.stop();
  state.liveSource = null;
  if (!state.liveKey) return;
  const width = plotWidth("live-plot");
  const cols = [...state.liveColumns].join(",");
  const q = new URLSearchParams({
    key: state.liveKey,
    window: String(liveWindowS()),
    width: String(width),
  });
  if (cols) q.set("columns", cols);
  state.liveSeq = 0;
  state.liveSource = streamEvents(`/api/live?${q}`, (u, seq) => {
    if (state.liveSeq && seq > state.liveSeq + 1) state.liveMissed += seq - state.liveSeq - 1;
    state.liveSeq = seq;
    drawLive(u);
  }, (s) => {
    if (s === "reconnecting") $("live-note").textContent = "reconnecting…";
  });
}

function renderColumnChooser(columns) {
  const box = $("live-columns");
  const have = [...box.querySelectorAll("input")].map((i) => i.value);
  if (have.join() === columns.join()) return;
  box.replaceChildren();
  for (const c of columns) {
    const id = `col-${c}`;
    const input = el("input", { type: "checkbox", value: c, id });
    input.checked = state.liveColumns.size === 0 || state.liveColumns.has(c);
    input.onchange = () => {
      state.liveColumns = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
      resetLivePlots();
      openLive();
    };
    const label = el("label", { for: id });
    label.append(input, document.createTextNode(` ${c}`));
    box.append(label);
  }
}

function resetLivePlots() {
  for (const k of ["live", "wave"]) {
    if (state.plots[k]) state.plots[k].destroy();
    delete state.plots[k];
  }
  $("wave-plot").replaceChildren();
}

function drawLive(u) {
  renderColumnChooser(u.columns);
  const names = Object.keys(u.series);
  $("live-note").textContent = `${u.tap.rows} rows seen by the tap · tap drops ${u.tap.drops}` +
    (state.liveMissed ? ` · ${state.liveMissed} updates missed` : "");
  if (names.length) {
    const t = u.series[names[0]].min.map((_, i) => (u.t0 + i * u.pixelMs) / 1000);
    const data = [t];
    for (const n of names) {
      data.push(u.series[n].min.map(nullIfNaN), u.series[n].max.map(nullIfNaN));
    }
    const key = names.join(",");
    if (!state.plots.live || state.plots.live._key !== key) {
      if (state.plots.live) state.plots.live.destroy();
      const series = [{}];
      const bands = [];
      names.forEach((n, i) => {
        const c = PALETTE[i % PALETTE.length];
        series.push({ label: `${n} min`, stroke: c, width: 1 });
        series.push({ label: `${n} max`, stroke: c, width: 1 });
        bands.push({ series: [2 * i + 2, 2 * i + 1], fill: c + "33" });
      });
      state.plots.live = new uPlot(
        { width: plotWidth("live-plot"), height: 260, series, bands },
        data,
        $("live-plot"),
      );
      state.plots.live._key = key;
    } else state.plots.live.setData(data);
  }
  const waves = Object.keys(u.waveforms);
  if (waves.length) {
    const w = u.waveforms[waves[0]];
    const x = w.min.map((_, i) => Math.round((i * w.length) / w.min.length));
    const data = [x, w.min.map(nullIfNaN), w.max.map(nullIfNaN)];
    if (!state.plots.wave) {
      state.plots.wave = new uPlot(
        {
          width: plotWidth("wave-plot"),
          height: 200,
          scales: { x: { time: false } },
          series: [{ label: "sample" }, { label: `${waves[0]} (latest) min`, stroke: "#1a7f37" }, {
            label: "max",
            stroke: "#1a7f37",
          }],
          bands: [{ series: [2, 1], fill: "#1a7f3733" }],
        },
        data,
        $("wave-plot"),
      );
    } else state.plots.wave.setData(data);
  }
}

function nullIfNaN(v) {
  return v === null || Number.isNaN(v) ? null : v;
}

async function refreshKeys() {
  try {
    const keys = await api("/api/live/keys");
    const sel = $("live-key");
    const have = [...sel.options].map((o) => o.value);
    if (have.join() !== keys.join()) {
      sel.replaceChildren(...keys.map((k) => el("option", { value: k }, k)));
      if (!keys.includes(state.liveKey)) state.liveKey = keys[0] || "";
      sel.value = state.liveKey;
      resetLivePlots();
      openLive();
    }
  } catch (e) {
    addLog("warn", `live keys: ${e.message}`);
  }
}

$("live-key").onchange = (e) => {
  state.liveKey = e.target.value;
  state.liveColumns = new Set();
  $("live-columns").replaceChildren();
  resetLivePlots();
  openLive();
};
$("live-window").value = localStorage.getItem(WINDOW_KEY) || "30";
$("live-window").onchange = () => {
  localStorage.setItem(WINDOW_KEY, $("live-window").value);
  openLive();
};

// ---- runs and log --------------------------------------------------------------------------
async function refreshRuns() {
  let runs;
  try {
    runs = await api("/api/runs");
  } catch (e) {
    addLog("warn", `runs: ${e.message}`);
    return;
  }
  const body = $("runs").tBodies[0];
  body.replaceChildren();
  for (const r of [...runs].reverse()) {
    const tr = el("tr", { "data-run": String(r.run) });
    const losses = r.losses ?? r.lost ?? "";
    const cells = [
      [String(r.run), "n"],
      [r.status, r.status],
      [r.comment || ""],
      [(r.start || "").replace("T", " ").slice(0, 19)],
      [fmtDuration(r.durationS), "n"],
      [String(r.files ?? ""), "n"],
      [fmt((r.bytes || 0) / 1e6, 1), "n"],
      [typeof losses === "object" ? JSON.stringify(losses) : String(losses)],
    ];
    for (const [text, cls] of cells) tr.append(el("td", cls ? { class: cls } : {}, text));
    tr.onclick = async () => {
      const pre = $("manifest");
      try {
        pre.textContent = JSON.stringify(await api(`/api/runs/${r.run}`), null, 2);
        pre.hidden = false;
      } catch (e) {
        addLog("error", `run ${r.run}: ${e.message}`);
      }
    };
    body.append(tr);
  }
}

function addLog(level, text, time) {
  const li = el(
    "li",
    { class: level },
    `${(time || new Date().toISOString()).slice(11, 19)} ${level} ${text}`,
  );
  const log = $("log");
  log.prepend(li);
  while (log.children.length > 500) log.lastChild.remove();
}

async function refreshLog() {
  try {
    const lines = await api(`/api/log?since=${state.logSince}`);
    for (const l of lines) {
      addLog(l.level, l.job ? `${l.job}: ${l.text}` : l.text, l.time);
      state.logSince = Math.max(state.logSince, l.id);
    }
  } catch {
    // the log endpoint is optional
  }
}

// ---- status ----------------------------------------------------------------------------------
function onStatus(s) {
  const prev = state.status;
  state.status = s;
  renderHeader(s);
  renderJobs(s);
  addRates(s);
  if (Date.now() - alarmsAsked > 1000) {
    alarmsAsked = Date.now();
    refreshAlarms();
  }
  if (prev && (prev.state !== s.state || (prev.run && s.run && prev.run.number !== s.run.number))) {
    refreshRuns();
    refreshKeys();
  }
}

async function refreshStatus() {
  try {
    onStatus(await api("/api/status"));
  } catch (e) {
    addLog("error", `status: ${e.message}`);
  }
}

function openStats() {
  streamEvents("/api/stats/stream", onStatus);
}

globalThis.addEventListener("resize", () => {
  for (
    const [id, p] of [["live-plot", state.plots.live], ["wave-plot", state.plots.wave], [
      "rates-plot",
      state.plots.rates,
    ]]
  ) {
    if (p) p.setSize({ width: plotWidth(id), height: p.height });
  }
});

refreshStatus();
refreshRuns();
refreshKeys();
refreshLog();
openStats();
setInterval(refreshKeys, 5000);
setInterval(refreshLog, 2000);
