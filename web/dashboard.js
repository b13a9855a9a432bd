// The tokenflow dashboard: renders /api/overview, received over the WebSocket /api/stream
// (polling /api/overview while the socket is down). No library, nothing fetched from
// elsewhere: the page works offline. docs/dashboard.md describes the document.
"use strict";

const $ = (id) => document.getElementById(id);
let overview = null;
let windowShown = "5m";
let lastUpdate = 0;

// Numbers as people read them; amounts arrive as exact decimal strings and stay strings.
const grouped = (n) => (n === null || n === undefined) ? "–" : Number(n).toLocaleString("en-US");
function usd(text) {
  if (text === null || text === undefined) return "–";
  const [whole, frac = ""] = String(text).split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return sign + digits + "." + (frac + "00").slice(0, 2);
}
function seconds(s) {
  if (s === null || s === undefined) return "–";
  if (s < 1) return "<1 s";
  if (s < 120) return Math.round(s) + " s";
  if (s < 7200) return Math.round(s / 60) + " min";
  return (s / 3600).toFixed(1) + " h";
}
const short = (a) => (typeof a === "string" && a.length > 14) ? a.slice(0, 6) + "…" + a.slice(-4) : (a || "");
function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}
function empty(id, show, text) {
  const p = $(id);
  p.hidden = !show;
  if (show) p.textContent = text;
}
function symbolOf(token) {
  const symbols = (overview && overview.symbols) || {};
  return symbols[String(token).toLowerCase()] || short(token);
}

function sparkline(canvas, values) {
  const dpr = window.devicePixelRatio || 1;
  const w = 260, h = 36;
  canvas.width = w * dpr; canvas.height = h * dpr;
  canvas.style.width = w + "px"; canvas.style.height = h + "px";
  const g = canvas.getContext("2d");
  g.scale(dpr, dpr);
  g.clearRect(0, 0, w, h);
  const n = 600;  // ten minutes of one-second samples, the newest on the right
  const max = Math.max(1, ...values);
  g.strokeStyle = "#26303b";
  g.beginPath(); g.moveTo(0, h - 0.5); g.lineTo(w, h - 0.5); g.stroke();
  g.strokeStyle = "#58a6ff";
  g.lineWidth = 1.5;
  g.beginPath();
  values.forEach((v, i) => {
    const x = w - (values.length - 1 - i) * (w / (n - 1));
    const y = h - 2 - (v / max) * (h - 6);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#7d8a99";
  g.font = "10px system-ui";
  g.fillText("max " + grouped(Math.round(max)) + "/s", 2, 10);
}

function renderTopics(o) {
  const body = $("topics").tBodies[0];
  body.replaceChildren();
  for (const t of o.topics || []) {
    const row = body.insertRow();
    cell(row, t.name);
    cell(row, grouped(t.partitions), "num");
    cell(row, grouped(t.messages), "num");
    cell(row, grouped(t.retained), "num");
    cell(row, grouped(Math.round(t.messages_per_second)), "num");
    const canvas = document.createElement("canvas");
    canvas.className = "spark";
    row.insertCell().appendChild(canvas);
    sparkline(canvas, t.history || []);
  }
  empty("topics-empty", !(o.topics || []).length,
        o.cluster_error ? "cannot read the cluster: " + o.cluster_error : "no topics yet");
}

function statusClass(status) {
  return status === "ok" ? "ok" : status === "stalled" ? "bad" : status === "falling behind" ? "warn" : "";
}

function renderGroups(o) {
  const box = $("groups");
  box.replaceChildren();
  for (const g of o.groups || []) {
    const div = document.createElement("div");
    div.className = "group";
    div.dataset.group = g.name;
    const head = document.createElement("div");
    head.className = "group-head";
    const name = document.createElement("b");
    name.textContent = g.name;
    const badge = document.createElement("span");
    badge.className = "badge " + statusClass(g.status);
    badge.textContent = g.status;
    const figures = document.createElement("span");
    figures.className = "lag";
    const members = (g.members === undefined || g.members === null ? "" : " · members " + g.members) +
      (g.state ? " · " + g.state : "");
    figures.textContent = "reads " + g.topics.join(", ") + " · lag " + grouped(g.lag) + " messages, " +
      seconds(g.lag_seconds) + members;
    head.append(name, badge, figures);
    div.appendChild(head);
    if (g.error) {
      const p = document.createElement("p");
      p.className = "empty";
      p.textContent = g.error;
      div.appendChild(p);
    }
    const lost = (g.partitions || []).reduce((sum, p) => sum + (p.lost || 0), 0);
    if (lost > 0) {
      const p = document.createElement("p");
      p.className = "sev-critical";
      p.textContent = grouped(lost) + " messages were deleted before this group read them";
      div.appendChild(p);
    }
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "partitions (" + (g.partitions || []).length + ")";
    details.appendChild(summary);
    const table = document.createElement("table");
    const hr = table.createTHead().insertRow();
    for (const h of ["topic", "partition", "committed", "log start", "log end", "lag (messages)", "lag (s)"]) {
      const th = document.createElement("th");
      th.textContent = h;
      if (h !== "topic") th.className = "num";
      hr.appendChild(th);
    }
    const tb = table.createTBody();
    for (const p of g.partitions || []) {
      const r = tb.insertRow();
      cell(r, p.topic);
      cell(r, p.partition, "num");
      cell(r, p.committed === null ? "none" : grouped(p.committed), "num");
      cell(r, grouped(p.log_start), "num");
      cell(r, grouped(p.log_end), "num");
      cell(r, grouped(p.lag), "num");
      cell(r, seconds(p.lag_seconds), "num");
    }
    details.appendChild(table);
    div.appendChild(details);
    box.appendChild(div);
  }
  empty("groups-empty", !(o.groups || []).length, "no consumer groups to show (dashboard --group NAME=TOPIC)");
}

function renderAlerts(o) {
  const a = o.alerts || {};
  const body = $("alerts").tBodies[0];
  body.replaceChildren();
  for (const alert of a.newest || []) {
    const row = body.insertRow();
    cell(row, String(alert.timestamp || "").replace("T", " ").replace(/\.\d+Z$|Z$/, ""));
    cell(row, alert.rule || "");
    cell(row, alert.severity || "", "sev-" + (alert.severity || ""));
    cell(row, alert.symbol || symbolOf(alert.token));
    cell(row, usd(alert.usd), "num");
    cell(row, short(alert.from_address));
    cell(row, short(alert.to_address));
    cell(row, grouped(alert.block_number), "num");
    cell(row, short(alert.tx_hash || alert.event_id));
  }
  $("alerts-total").textContent = grouped(a.total) + " on " + (a.topic || "");
  const none = !(a.newest || []).length;
  empty("alerts-empty", none, a.error ? "cannot read the alerts: " + a.error : "no alerts yet: " + a.thresholds);
}

function renderTop(o) {
  const tops = o.top_tokens || {};
  const tabs = $("windows");
  if (!tabs.childElementCount) {
    for (const w of Object.keys(tops)) {
      const b = document.createElement("button");
      b.textContent = w;
      b.onclick = () => { windowShown = w; render(); };
      tabs.appendChild(b);
    }
  }
  for (const b of tabs.children) b.classList.toggle("on", b.textContent === windowShown);
  const top = tops[windowShown] || {};
  const tokens = (top.answer && top.answer.tokens) || [];
  const body = $("top").tBodies[0];
  body.replaceChildren();
  tokens.forEach((t, i) => {
    const s = t.stats || {};
    const row = body.insertRow();
    cell(row, i + 1);
    cell(row, symbolOf(t.token)).title = t.token;
    cell(row, usd(s.volume_usd), "num");
    cell(row, grouped(s.count), "num");
    cell(row, grouped(s.buys) + " / " + grouped(s.sells), "num");
    cell(row, grouped(s.traders), "num");
  });
  empty("top-empty", !tokens.length,
        top.error ? "no top tokens: " + top.error : "no events in the last " + windowShown + " yet");
}

function renderDeadLetters(o) {
  const d = o.dead_letters || {};
  const body = $("dlq-topics").tBodies[0];
  body.replaceChildren();
  for (const [topic, count] of Object.entries(d.by_source_topic || {})) {
    const row = body.insertRow();
    cell(row, topic);
    cell(row, grouped(count), "num");
  }
  const list = $("dlq-reasons");
  list.replaceChildren();
  for (const note of (d.newest || []).slice(0, 8)) {
    const li = document.createElement("li");
    li.textContent = note.source + ": " + note.reason;
    list.appendChild(li);
  }
  $("dlq-total").textContent = grouped(d.total) + " on " + (d.topic || "");
  empty("dlq-empty", !d.total, d.error ? "cannot read the dead letters: " + d.error
        : "no dead letters: every message so far decoded");
}

function renderPrices(o) {
  const p = o.prices || {};
  const body = $("prices").tBodies[0];
  body.replaceChildren();
  for (const tick of p.latest || []) {
    const row = body.insertRow();
    cell(row, tick.symbol ? tick.symbol + " (" + tick.asset + ")" : tick.asset);
    cell(row, tick.source);
    // Exact as published: the decimal string, not a float's rounding of it.
    cell(row, tick.price_usd, "num");
    cell(row, tick.change_24h_pct === null ? "" : tick.change_24h_pct, "num");
    cell(row, new Date(tick.timestamp_ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, ""));
  }
  $("prices-total").textContent = grouped(p.total) + " ticks on " + (p.topic || "");
  empty("prices-empty", !(p.latest || []).length,
        p.error ? "cannot read the prices: " + p.error
                : "no price ticks yet on " + (p.topic || "market.prices") + ": " + p.hint);
}

function renderRoles(o) {
  const r = o.roles;
  if (!r) { $("roles").textContent = ""; return; }
  const parts = [];
  if (r.simulator) parts.push("simulator " + grouped(r.simulator.transfers) + " transfers, " + grouped(r.simulator.swaps) + " swaps");
  if (r.sink) parts.push("sink " + grouped(r.sink.stored) + " rows");
  if (r.alerts) parts.push("alerts " + grouped(r.alerts.alerts));
  if (r.stats) parts.push("stats " + grouped(r.stats.tokens) + " tokens");
  if (r.prices && r.prices.ticks) parts.push("prices " + grouped(r.prices.ticks) + " ticks");
  if (r.price_history) parts.push("price history " + grouped(r.price_history.stored) + " rows");
  if (r.price_cache) parts.push("price cache " + grouped(r.price_cache.stored) + " ticks");
  $("roles").textContent = parts.join(" · ");
}

function render() {
  if (!overview) return;
  renderTopics(overview);
  renderGroups(overview);
  renderAlerts(overview);
  renderTop(overview);
  renderPrices(overview);
  renderDeadLetters(overview);
  renderRoles(overview);
}

function accept(text) {
  try {
    overview = JSON.parse(text);
  } catch (e) {
    console.warn("dashboard: an update was not JSON", e);
    return;
  }
  lastUpdate = Date.now();
  render();
}

function setConnection(text, cls) {
  const c = $("connection");
  c.textContent = text;
  c.className = "badge " + cls;
}

let poller = null;
function poll() {
  fetch("/api/overview", { cache: "no-store" })
    .then((r) => r.ok ? r.text() : Promise.reject(new Error("HTTP " + r.status)))
    .then(accept)
    .catch(() => setConnection("disconnected", "bad"));
}

function connect() {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/stream");
  ws.onopen = () => {
    setConnection("live", "ok");
    if (poller) { clearInterval(poller); poller = null; }
  };
  ws.onmessage = (event) => accept(event.data);
  ws.onclose = () => {
    setConnection("reconnecting…", "warn");
    if (!poller) poller = setInterval(poll, 1000);
    setTimeout(connect, 3000);
  };
}

setInterval(() => {
  if (lastUpdate) $("updated").textContent = "updated " + Math.round((Date.now() - lastUpdate) / 1000) + " s ago";
}, 1000);
poll();
connect();
