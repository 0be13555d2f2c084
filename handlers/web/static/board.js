// The shop-floor board: renders the server's snapshot, keeps itself fresh with server-sent
// events (falling back to polling), and rotates pages when the lists are longer than the screen.
"use strict";

const TEXT = {
  zh: {
    title: "生产看板", output: "今日产出", plan: "计划", soFar: "至此应完成", scrap: "报废",
    lateOrders: "逾期工单", openExceptions: "未关闭异常", orders: "在制工单", exceptions: "异常",
    updated: "更新于", due: "交期", late: "逾期", dueToday: "今日交", stopped: "停线",
    finished: "完工", qc: "待检", rework: "返工", scrapShort: "报废", noOrders: "没有在制工单",
    noExceptions: "没有未关闭的异常", lineStop: "停线", level: "第{n}级",
    offline: "连接中断，正在重连…", gone: "看板链接无效、已过期或已被撤销。请厂长在机器人里发送 /board 获取新链接。",
    reporter: "报告人", station: "工位", none: "–",
    day: "天", hour: "小时", minute: "分",
    kind: { equipment: "设备", material: "缺料", quality: "质量", safety: "安全", other: "其他" },
    woStatus: { draft: "未下达", released: "已下达", in_progress: "生产中", on_hold: "暂停" },
    exStatus: { open: "待响应", acknowledged: "处理中" },
  },
  en: {
    title: "Shop floor", output: "Output today", plan: "plan", soFar: "Due by now", scrap: "Scrap",
    lateOrders: "Late orders", openExceptions: "Open exceptions", orders: "Work orders",
    exceptions: "Exceptions", updated: "updated", due: "due", late: "LATE", dueToday: "due today",
    stopped: "stopped", finished: "done", qc: "QC", rework: "rework", scrapShort: "scrap",
    noOrders: "No open work orders", noExceptions: "No open exceptions", lineStop: "LINE STOP",
    level: "level {n}", offline: "Connection lost, reconnecting…",
    gone: "This board link is not valid, has expired or was revoked. A manager can send /board to the bot for a new link.",
    reporter: "by", station: "station", none: "–",
    day: "d", hour: "h", minute: "min",
    kind: { equipment: "Equipment", material: "Material", quality: "Quality", safety: "Safety", other: "Other" },
    woStatus: { draft: "draft", released: "released", in_progress: "in progress", on_hold: "on hold" },
    exStatus: { open: "waiting", acknowledged: "being handled" },
  },
};

const PAGE_SECONDS = 12;      // how long a page of a long list stays up
const POLL_SECONDS = 10;      // polling when the event stream is not delivering
const STALE_SECONDS = 45;     // the server sends at least every 30 s: older means trouble

const root = document.documentElement;
const lang = TEXT[root.dataset.lang] ? root.dataset.lang : "zh";
const T = TEXT[lang];
const token = new URLSearchParams(location.search).get("token") || "";
const query = "?token=" + encodeURIComponent(token);

let board = null;          // the last snapshot
let offset = 0;            // server clock minus ours (ms)
let receivedAt = 0;        // Date.now() when the last snapshot came
let source = null;         // the EventSource
let pollTimer = null;
let gone = false;
const pages = { orders: 0, exceptions: 0 };

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function serverNow() { return new Date(Date.now() + offset); }

function fmt(date, options) {
  const zone = board ? board.timezone : undefined;
  return new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB",
    Object.assign({ timeZone: zone, hour12: false }, options)).format(date);
}

function age(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const sep = lang === "zh" ? "" : " ";
  if (d) return d + sep + T.day + sep + h + sep + T.hour;
  if (h) return h + sep + T.hour + sep + String(m).padStart(2, "0") + sep + T.minute;
  return m + sep + T.minute;
}

function figure(label, value, extra, alert) {
  const box = el("div", "figure" + (alert ? " alert" : ""));
  box.append(el("span", "label", label));
  const v = el("span", "value", value);
  if (extra) v.append(" ", el("small", null, extra));
  box.append(v);
  return box;
}

function renderHeader() {
  document.title = T.title;
  document.getElementById("title").textContent = T.title;
  document.getElementById("orders-title").textContent = T.orders;
  document.getElementById("exceptions-title").textContent = T.exceptions;
  const out = board.output;
  const box = document.getElementById("output");
  box.replaceChildren();
  const planned = out.planned === null ? T.none : out.planned;
  const pct = out.percent === null ? "" : out.percent + "%";
  const main = figure(T.output, out.good, "/ " + T.plan + " " + planned + (pct ? " · " + pct : ""));
  main.id = "output-figure";
  box.append(main);
  const bar = el("div", "plan-bar");
  if (out.planned) {
    const done = el("span", "done");
    done.style.width = Math.min(100, out.good * 100 / out.planned) + "%";
    const mark = el("span", "mark");
    mark.style.left = Math.min(100, out.planned_so_far * 100 / out.planned) + "%";
    bar.append(done, mark);
  }
  box.append(bar);
  box.append(figure(T.soFar, out.planned_so_far === null ? T.none : out.planned_so_far));
  box.append(figure(T.scrap, out.scrap));
  box.append(figure(T.lateOrders, board.counts.late, null, board.counts.late > 0));
  box.append(figure(T.openExceptions, board.counts.exceptions, null, board.counts.line_stops > 0));
}

function renderStops() {
  const stops = board.exceptions.filter((e) => e.line_stopped);
  const box = document.getElementById("stops");
  box.replaceChildren();
  box.hidden = stops.length === 0;
  for (const e of stops) {
    const about = [e.work_order, e.operation, e.workstation].filter(Boolean).join(" · ");
    const line = el("div", "stop", T.lineStop + " " + e.code + " · " + (T.kind[e.kind] || e.kind) +
      (about ? " · " + about : "") + " · ");
    line.append(el("span", "age", age(ageSeconds(e))));
    line.dataset.reported = e.reported_at;
    box.append(line);
  }
}

function ageSeconds(e) { return (serverNow() - new Date(e.reported_at)) / 1000; }

function operation(op) {
  const box = el("div", "op " + op.status + (op.late ? " late" : ""));
  box.dataset.code = op.code;
  const name = el("div", "op-name");
  name.append(el("span", null, op.name), el("span", "num", op.good + "/" + op.planned));
  box.append(name);
  const bar = el("div", "bar");
  const whole = Math.max(op.planned, op.good + op.pending_qc + op.rework + op.scrap, 1);
  for (const [cls, qty] of [["good", op.good], ["qc", op.pending_qc], ["rework", op.rework], ["scrap", op.scrap]]) {
    if (qty > 0) {
      const part = el("span", cls);
      part.style.width = (qty * 100 / whole) + "%";
      bar.append(part);
    }
  }
  box.append(bar);
  const extra = el("div", "extra");
  if (op.late) extra.append(el("span", "late-text", T.late + " "));
  if (op.status === "blocked") extra.append(el("span", "rework", T.stopped + " "));
  if (op.pending_qc) extra.append(el("span", "qc", T.qc + " " + op.pending_qc + " "));
  if (op.rework) extra.append(el("span", "rework", T.rework + " " + op.rework + " "));
  if (op.scrap) extra.append(el("span", "scrap", T.scrapShort + " " + op.scrap));
  box.append(extra);
  return box;
}

function workOrder(wo) {
  const cls = ["wo"];
  if (wo.late) cls.push("late");
  else if (wo.due_today) cls.push("today");
  if (wo.status === "draft") cls.push("draft");
  const box = el("article", cls.join(" "));
  box.dataset.code = wo.code;
  const head = el("div", "wo-head");
  head.append(el("span", "wo-code", wo.code));
  head.append(el("span", "wo-product", wo.product_name + " · " + wo.customer));
  if (wo.stopped) head.append(el("span", "tag stop", T.stopped));
  if (wo.late) head.append(el("span", "tag late", T.late));
  else if (wo.status !== "released" && wo.status !== "in_progress") {
    head.append(el("span", "tag", T.woStatus[wo.status] || wo.status));
  }
  head.append(el("span", "wo-due", T.due + " " + wo.due_date.slice(5) + (wo.due_today ? " (" + T.dueToday + ")" : "")));
  head.append(el("span", "num", T.finished + " " + wo.finished + "/" + wo.quantity));
  box.append(head);
  if (wo.operations.length) {
    const ops = el("div", "ops");
    for (const op of wo.operations) ops.append(operation(op));
    box.append(ops);
  }
  return box;
}

function exception(e) {
  const cls = ["ex"];
  if (e.line_stopped) cls.push("stop");
  if (e.severity === "high") cls.push("high");
  if (e.level > 1) cls.push("old");
  const box = el("article", cls.join(" "));
  box.dataset.code = e.code;
  const head = el("div", "ex-head");
  const kind = el("span", "ex-kind", T.kind[e.kind] || e.kind);
  if (e.line_stopped) kind.prepend(el("span", "tag stop", T.lineStop), " ");
  kind.append(el("span", "level" + (e.level > 1 ? " up" : ""), T.level.replace("{n}", e.level)));
  const ageBox = el("span", "ex-age age", age(ageSeconds(e)));
  ageBox.dataset.reported = e.reported_at;
  head.append(kind, ageBox);
  box.append(head);
  const about = [e.code, T.exStatus[e.status] || e.status, e.work_order, e.operation,
    e.workstation ? T.station + " " + e.workstation : null, T.reporter + " " + e.reporter];
  box.append(el("div", "ex-about", about.filter(Boolean).join(" · ")));
  if (e.comment) box.append(el("div", "ex-comment", e.comment));
  return box;
}

// Split the items into pages that fit the viewport; show the current page.
function paginate(name, items, make, emptyText) {
  const view = document.getElementById(name);
  const pager = document.getElementById(name + "-pager");
  view.replaceChildren();
  if (!items.length) {
    view.append(el("div", "empty", emptyText));
    pager.textContent = "";
    return;
  }
  const nodes = items.map(make);
  view.append(...nodes);
  // Stacked top to bottom: a page ends where the next node would cross the viewport's foot.
  const height = view.clientHeight;
  const split = [[]];
  let top = 0;
  for (const node of nodes) {
    const page = split[split.length - 1];
    if (node.offsetTop + node.offsetHeight - top > height && page.length) {
      split.push([]);
      top = node.offsetTop;
    }
    split[split.length - 1].push(node);
  }
  if (pages[name] >= split.length) pages[name] = 0;
  view.replaceChildren(...split[pages[name]]);
  pager.textContent = split.length > 1 ? (pages[name] + 1) + " / " + split.length : "";
  view.dataset.pages = split.length;
}

function render() {
  if (!board || gone) return;
  renderHeader();
  renderStops();
  paginate("orders", board.work_orders, workOrder, T.noOrders);
  paginate("exceptions", board.exceptions, exception, T.noExceptions);
  document.getElementById("updated").textContent =
    T.updated + " " + fmt(new Date(board.now), { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  document.body.dataset.ready = "1";
}

function receive(snapshot) {
  board = snapshot;
  receivedAt = Date.now();
  offset = new Date(snapshot.now).getTime() - receivedAt;
  setLink(true);
  render();
  tick();
}

function tick() {
  if (!board) return;
  document.getElementById("clock").textContent =
    fmt(serverNow(), { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  for (const node of document.querySelectorAll(".age[data-reported]")) {
    node.textContent = age((serverNow() - new Date(node.dataset.reported)) / 1000);
  }
  if (Date.now() - receivedAt > STALE_SECONDS * 1000) {
    setLink(false);
    startPolling();
  }
}

function rotate() {
  for (const name of Object.keys(pages)) {
    const view = document.getElementById(name);
    if (Number(view.dataset.pages || 1) > 1) pages[name] += 1;
  }
  render();
}

function setLink(ok) {
  const link = document.getElementById("link");
  link.className = ok ? "link" : "link off";
  link.title = ok ? "" : T.offline;
}

function showGone() {
  gone = true;
  if (source) source.close();
  stopPolling();
  const box = document.getElementById("gone");
  box.textContent = T.gone;
  box.hidden = false;
}

async function fetchOnce() {
  try {
    const response = await fetch("board/data" + query, { cache: "no-store" });
    if (response.status === 403) return showGone();
    if (response.ok) receive(await response.json());
    else setLink(false);
  } catch (err) {
    setLink(false);
  }
}

function startPolling() {
  if (pollTimer || gone) return;
  pollTimer = setInterval(fetchOnce, POLL_SECONDS * 1000);
}

function stopPolling() {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
}

function connect() {
  if (gone || !window.EventSource) { startPolling(); return; }
  source = new EventSource("board/events" + query);
  source.addEventListener("snapshot", (event) => {
    stopPolling();
    receive(JSON.parse(event.data));
  });
  source.addEventListener("forbidden", showGone);
  source.onerror = () => {
    setLink(false);
    if (source.readyState === EventSource.CLOSED) {  // refused or broken: poll, try again later
      startPolling();
      fetchOnce();
      setTimeout(connect, POLL_SECONDS * 3 * 1000);
    }  // otherwise the browser reconnects by itself (retry: 3 s)
  };
}

fetchOnce();
connect();
setInterval(tick, 1000);
setInterval(rotate, PAGE_SECONDS * 1000);
window.addEventListener("resize", render);
