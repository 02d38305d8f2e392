// The playground page: plays Slack's client against the local Slack and the bot (no build step).
"use strict";

const ui = { user: "U0REP1", channel: null, mode: "channel", state: null, loading: false, again: false, openModal: null };
const $ = (id) => document.getElementById(id);
const L = (key) => (ui.state && ui.state.labels[key]) || key;

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
function unentity(s) { return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"); }

// Slack mrkdwn, readably: *bold* _italic_ ~strike~ `code` ```pre``` > quote, <@U…>, <#C…|name>, <url|label>.
// The shortcodes the bot's messages use; any other :name: stays as typed.
const EMOJI = { wave: "👋", warning: "⚠️", alarm_clock: "⏰", white_check_mark: "✅", tada: "🎉", x: "❌",
  hourglass: "⌛", calendar: "📅", pushpin: "📌", memo: "📝", bell: "🔔", trophy: "🏆", inbox_tray: "📥",
  moneybag: "💰", chart_with_upwards_trend: "📈", busts_in_silhouette: "👥", lock: "🔒", zzz: "💤" };
function inline(s) {
  return esc(unentity(s))
    .replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole)
    .replace(/`([^`\n]+)`/g, "<code>$1</code>")
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s.,;:!?)])/g, "$1<b>$2</b>")
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s.,;:!?)])/g, "$1<i>$2</i>")
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s.,;:!?)])/g, "$1<s>$2</s>");
}
function mrkdwn(text) {
  if (!text) return "";
  const parts = String(text).split(/(<[^<>]+>)/);
  let html = "";
  for (const part of parts) {
    const m = part.match(/^<([^<>]+)>$/);
    if (!m) { html += inline(part); continue; }
    const [target, labelText] = m[1].split("|", 2);
    if (target.startsWith("@")) {
      const id = target.slice(1);
      html += `<span class="mention">@${esc(ui.state.users[id] || labelText || id)}</span>`;
    } else if (target.startsWith("#")) {
      const id = target.slice(1);
      html += `<a class="chan" data-goto="${esc(id)}">#${esc(ui.state.channel_names[id] || labelText || id)}</a>`;
    } else if (target.startsWith("!")) {
      html += `<span class="mention">@${esc(labelText || target.slice(1).split("^")[0])}</span>`;
    } else {
      const chan = target.match(/[?&]channel=([CGD][A-Z0-9]+)/);
      const attrs = chan ? `class="chan" data-goto="${esc(chan[1])}"` : `title="${esc(unentity(target))}" class="link"`;
      html += `<a ${attrs}>${esc(unentity(labelText || target))}</a>`;
    }
  }
  html = html.replace(/```([\s\S]*?)```/g, "<pre>$1</pre>");
  return html.split("\n").map((line) => line.startsWith("&gt; ") ? `<blockquote>${line.slice(5)}</blockquote>` : line)
    .join("<br>");
}
function textObj(t) {
  if (!t) return "";
  return t.type === "mrkdwn" ? mrkdwn(t.text) : esc(t.text).replace(/\n/g, "<br>");
}

// --- Block Kit -----------------------------------------------------------------------------------
function element(el, ctx) {
  if (el.type === "button") {
    const style = el.style === "primary" ? " primary" : el.style === "danger" ? " danger" : "";
    const id = ctx.register(el);
    return `<button type="button" class="btn${style}" data-el="${id}">${esc(el.text.text)}</button>`;
  }
  if (el.type === "image") return image(el);
  if (el.type === "static_select" || el.type === "overflow") {
    const id = ctx.register(el);
    const opts = (el.options || []).map((o, i) => `<option value="${i}">${esc(o.text.text)}</option>`).join("");
    const ph = el.placeholder ? esc(el.placeholder.text) : "…";
    return `<select data-el="${id}"><option value="">${ph}</option>${opts}</select>`;
  }
  if (el.type === "mrkdwn" || el.type === "plain_text") return `<span>${textObj(el)}</span>`;
  return "";
}
function image(el) {
  const url = el.image_url || "";
  // Nothing leaves the machine: only images served from here (or inline data) are loaded.
  if (url.startsWith("data:") || url.startsWith("/")) return `<span class="image"><img src="${esc(url)}" alt="${esc(el.alt_text || "")}"></span>`;
  return `<span class="image" title="${esc(url)}">[${esc(L("image"))}] ${esc(el.alt_text || el.title?.text || L("image"))}</span>`;
}
function blocks(list, ctx) {
  let html = "";
  for (const b of list || []) {
    if (b.type === "section") {
      let inner = `<div class="text">${textObj(b.text)}`;
      if (b.fields) inner += `<div class="fields">${b.fields.map((f) => `<div>${textObj(f)}</div>`).join("")}</div>`;
      inner += "</div>";
      if (b.accessory) inner += element(b.accessory, ctx);
      html += `<div class="block section">${inner}</div>`;
    } else if (b.type === "context") {
      html += `<div class="block context">${b.elements.map((e) => element(e, ctx)).join(" · ")}</div>`;
    } else if (b.type === "divider") {
      html += `<hr class="divider">`;
    } else if (b.type === "header") {
      html += `<div class="block header">${textObj(b.text)}</div>`;
    } else if (b.type === "image") {
      html += `<div class="block">${image(b)}</div>`;
    } else if (b.type === "actions") {
      html += `<div class="block actions">${b.elements.map((e) => element(e, ctx)).join("")}</div>`;
    } else if (b.type === "input") {
      html += input(b);
    } else if (b.type === "rich_text") {
      html += `<div class="block">${esc(JSON.stringify(b.elements)).slice(0, 500)}</div>`;
    }
  }
  return html;
}
function input(b) {
  const el = b.element || {};
  const name = esc(b.block_id);
  const initial = el.initial_value ? esc(el.initial_value) : "";
  const ph = el.placeholder ? esc(el.placeholder.text) : "";
  let field;
  if (el.type === "static_select") {
    const opts = (el.options || []).map((o) => {
      const sel = el.initial_option && el.initial_option.value === o.value ? " selected" : "";
      return `<option value="${esc(o.value)}"${sel}>${esc(o.text.text)}</option>`;
    }).join("");
    field = `<select name="${name}" data-kind="static_select"><option value=""></option>${opts}</select>`;
  } else if (el.multiline) {
    field = `<textarea name="${name}" data-kind="plain_text_input" rows="3" placeholder="${ph}">${initial}</textarea>`;
  } else {
    field = `<input name="${name}" data-kind="plain_text_input" value="${initial}" placeholder="${ph}">`;
  }
  const optional = b.optional ? ` <span class="hint">(optional)</span>` : "";
  const hint = b.hint ? `<div class="hint">${esc(b.hint.text)}</div>` : "";
  return `<div class="input" data-block="${name}" data-action="${esc(el.action_id || b.block_id)}">` +
    `<label>${esc(b.label.text)}${optional}</label>${field}${hint}<div class="error"></div></div>`;
}

// Every rendered button or select remembers what to send back as a block_actions payload.
function context(target) {
  const elements = [];
  return {
    target,
    register(el) { elements.push(el); return `${target.key}:${elements.length - 1}`; },
    elements,
  };
}
const contexts = new Map();

// --- rendering -----------------------------------------------------------------------------------
function render() {
  const s = ui.state;
  contexts.clear();
  document.documentElement.lang = s.labels.home === "Home" ? "en" : "zh-CN";
  for (const node of document.querySelectorAll("[data-l]")) node.textContent = L(node.dataset.l);
  for (const node of document.querySelectorAll("[data-l-aria]")) node.setAttribute("aria-label", L(node.dataset.lAria));
  document.title = L("page_title");
  const person = $("person");
  if (!person.options.length) {
    person.innerHTML = s.cast.map((p) => `<option value="${p.id}">${esc(p.real_name)} (${p.role}, ${esc(p.tz)})</option>`).join("");
  }
  person.value = ui.user;
  $("clock-now").textContent = `${L("now")}: ${s.clock.local} (${s.clock.tz})` +
    (s.clock.digest_local ? ` · ${L("next_digest")}: ${s.clock.digest_local}` : "");
  $("home-link").classList.toggle("active", ui.mode === "home");
  $("channels").innerHTML = s.channels.map((c) => {
    const cls = ["item", c.id === ui.channel && ui.mode === "channel" ? "active" : "", c.member ? "" : "outside",
      c.archived ? "archived" : ""].join(" ");
    return `<li><a href="#" class="${cls}" data-goto="${c.id}" data-channel-name="${esc(c.name)}">${c.private ? "▪" : "#"} ${esc(c.name)}</a></li>`;
  }).join("");
  const dmActive = ui.channel === s.dm && ui.mode === "channel" ? "active" : "";
  $("dms").innerHTML = s.dm ? `<li><a href="#" class="item ${dmActive}" data-goto="${s.dm}" data-channel-name="dealroom">● dealroom</a></li>` : "";
  if (ui.mode === "home") renderHome(); else renderChannel();
  renderModal();
}
function renderChannel() {
  const c = ui.state.current;
  $("composer-form").hidden = false;
  if (!c) { $("channel-title").textContent = ""; $("messages").innerHTML = ""; return; }
  $("channel-title").textContent = c.is_im ? "dealroom" : `${c.private ? "▪" : "#"} ${c.name}`;
  $("channel-topic").innerHTML = c.is_im ? "" : `${c.topic ? mrkdwn(c.topic) + " · " : ""}${c.members.length} ${esc(L("members"))}`;
  $("join-bar").hidden = c.member || c.is_im;
  $("composer").placeholder = `/deal … (${c.is_im ? "dealroom" : "#" + c.name})`;
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  if (!c.readable) { list.innerHTML = `<div class="empty">${esc(L("private_channel"))}</div>`; return; }
  if (!c.messages.length) { list.innerHTML = `<div class="empty">${esc(L("no_messages"))}</div>`; return; }
  list.innerHTML = c.messages.map((m, i) => {
    const key = `m${i}`;
    const ctx = context({ key, channel: c.id, ts: m.ephemeral_id ? null : m.ts, ephemeral_id: m.ephemeral_id || null });
    contexts.set(key, ctx);
    const body = m.blocks.length ? blocks(m.blocks, ctx) : `<div>${mrkdwn(m.text)}</div>`;
    const badges = (m.pinned ? `<span class="badge pin" data-testid="pinned">${esc(L("pinned"))}</span>` : "") +
      (m.ephemeral ? `<span class="badge" data-testid="only-you">${esc(L("only_you"))}</span>` : "") +
      (m.edited ? `<span class="badge">${esc(L("edited"))}</span>` : "");
    const cls = `message${m.pinned ? " pinned" : ""}${m.ephemeral ? " ephemeral" : ""}`;
    return `<div class="${cls}" data-ts="${esc(m.ts)}"><div class="meta"><b>${esc(ui.state.users[m.user] || m.user)}</b>` +
      `${esc(m.date ? m.date + " " : "")}${esc(m.time)}${badges}</div>${body}</div>`;
  }).join("");
  if (atBottom || ui.scrollDown) { list.scrollTop = list.scrollHeight; ui.scrollDown = false; }
}
function renderHome() {
  $("channel-title").textContent = L("home");
  $("channel-topic").textContent = "";
  $("join-bar").hidden = true;
  $("composer-form").hidden = true;
  const home = ui.state.home;
  if (!home) { $("messages").innerHTML = `<div class="empty">${esc(L("no_home"))}</div>`; return; }
  const ctx = context({ key: "home", view_id: home.id });
  contexts.set("home", ctx);
  $("messages").innerHTML = `<div class="message home">${blocks(home.blocks, ctx)}</div>`;
}
function renderModal() {
  const modal = ui.state.modal;
  if (!modal) { $("modal-backdrop").hidden = true; ui.openModal = null; return; }
  if (ui.openModal === modal.hash) return; // keep what the person typed
  ui.openModal = modal.hash;
  const ctx = context({ key: "modal", view_id: modal.id });
  contexts.set("modal", ctx);
  $("modal-title").textContent = modal.title;
  $("modal-body").innerHTML = blocks(modal.blocks, ctx);
  $("modal-submit").textContent = modal.submit || "Submit";
  $("modal-submit").hidden = !modal.submit;
  $("modal-close").textContent = modal.close || L("cancel");
  $("modal-backdrop").hidden = false;
  const first = $("modal-body").querySelector("input, textarea");
  if (first) first.focus();
}

// --- talking to the playground -------------------------------------------------------------------
async function post(path, body) {
  const response = await fetch(`/playground/${path}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user: ui.user, ...body }),
  });
  const data = await response.json().catch(() => ({}));
  if (data.status && data.status !== 200) notice(L("ack_error").replace("{status}", data.status));
  return data;
}
async function refresh() {
  if (ui.loading) { ui.again = true; return; }
  ui.loading = true;
  try {
    do {
      ui.again = false;
      const asked = { user: ui.user, channel: ui.channel };
      const q = new URLSearchParams({ user: asked.user });
      if (asked.channel) q.set("channel", asked.channel);
      const response = await fetch(`/playground/state?${q}`);
      ui.state = await response.json();
      if (ui.user !== asked.user || ui.channel !== asked.channel) {
        ui.again = true; // the person switched or picked a channel meanwhile: ask again, keep their choice
        continue;
      }
      if (!ui.channel || !ui.state.current) {
        ui.channel = (ui.state.channels.find((c) => c.name === "general") || {}).id || ui.state.dm;
        if (!ui.state.current) ui.again = true;
      }
    } while (ui.again);
    render();
  } finally { ui.loading = false; }
}
function notice(text) {
  const n = $("notice");
  n.textContent = text; n.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { n.hidden = true; }, 6000);
}
function goto(channel) {
  ui.mode = "channel"; ui.channel = channel; ui.scrollDown = true;
  refresh();
}

function actionPayload(el, extra) {
  const action = { action_id: el.action_id, block_id: el.block_id || "b", type: el.type };
  if (el.type === "button") { action.value = el.value || ""; action.text = el.text; }
  return Object.assign(action, extra || {});
}
async function clickElement(key, extra) {
  const [ctxKey, index] = key.split(":");
  const ctx = contexts.get(ctxKey);
  if (!ctx) return;
  const el = ctx.elements[Number(index)];
  const chan = el.url && el.url.match(/[?&]channel=([CGD][A-Z0-9]+)/);
  const t = ctx.target;
  const body = t.view_id ? { view_id: t.view_id } : { channel: t.channel, message_ts: t.ts, ephemeral_id: t.ephemeral_id };
  if (chan) goto(chan[1]); // a link button opens the channel, and Slack still tells the app
  await post("click", { ...body, action: actionPayload(el, extra) });
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-goto], button[data-el], [data-jump]");
  if (!target) return;
  event.preventDefault();
  if (target.dataset.goto) goto(target.dataset.goto);
  else if (target.dataset.el) clickElement(target.dataset.el);
  else if (target.dataset.jump) {
    for (const b of document.querySelectorAll("[data-jump]")) b.disabled = true;
    post("clock", { jump: target.dataset.jump }).finally(() => {
      for (const b of document.querySelectorAll("[data-jump]")) b.disabled = false;
      refresh();
    });
  }
});
document.addEventListener("change", (event) => {
  const target = event.target.closest("select[data-el]");
  if (!target || target.value === "") return;
  const [ctxKey, index] = target.dataset.el.split(":");
  const el = contexts.get(ctxKey).elements[Number(index)];
  const option = el.options[Number(target.value)];
  clickElement(target.dataset.el, el.type === "overflow" ? { selected_option: option } : { selected_option: option });
});
$("person").addEventListener("change", () => {
  ui.user = $("person").value; ui.channel = null; ui.mode = "channel"; ui.openModal = null;
  refresh();
});
$("home-link").addEventListener("click", (event) => {
  event.preventDefault();
  ui.mode = "home";
  render();
  post("home", {});
});
$("join").addEventListener("click", () => post("join", { channel: ui.channel }));
$("composer-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("composer").value.trim();
  if (!text) return;
  if (!text.startsWith("/deal")) { notice(L("commands_only")); return; }
  $("composer").value = "";
  ui.scrollDown = true;
  await post("command", { channel: ui.channel, text });
});
$("modal").addEventListener("submit", async (event) => {
  event.preventDefault();
  const modal = ui.state.modal;
  const values = {};
  for (const box of $("modal-body").querySelectorAll(".input")) {
    const field = box.querySelector("[data-kind]");
    const action = box.dataset.action;
    if (field.dataset.kind === "static_select") {
      const option = field.value ? { value: field.value, text: { type: "plain_text", text: field.selectedOptions[0].text } } : null;
      values[box.dataset.block] = { [action]: { type: "static_select", selected_option: option } };
    } else {
      values[box.dataset.block] = { [action]: { type: "plain_text_input", value: field.value || null } };
    }
  }
  for (const e of $("modal-body").querySelectorAll(".error")) e.textContent = "";
  const result = await post("submit", { view_id: modal.id, root: modal.root, values });
  const errors = result.errors || {};
  for (const [block, message] of Object.entries(errors)) {
    const box = $("modal-body").querySelector(`.input[data-block="${CSS.escape(block)}"] .error`);
    if (box) box.textContent = message;
  }
  if (!Object.keys(errors).length) { ui.openModal = null; refresh(); }
});
for (const id of ["modal-close", "modal-x"]) {
  $(id).addEventListener("click", async () => {
    const modal = ui.state.modal;
    $("modal-backdrop").hidden = true;
    if (modal) await post("close", { view_id: modal.id, root: modal.root });
    ui.openModal = null;
    refresh();
  });
}

new EventSource("/playground/stream").addEventListener("change", refresh);
refresh();
