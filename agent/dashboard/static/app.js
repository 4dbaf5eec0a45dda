// The dashboard page: the live episode (a websocket of snapshots and JPEG frames) and the replay of a
// recorded session (its timeline, scrubbed). Both draw one model with show(); no build step, no library.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN = new URLSearchParams(location.search).get("token");
const EQUIPMENT = ["hand", "offhand", "head", "chest", "legs", "feet"];
const FPS_WINDOW_MS = 2000;

// What a test (or a curious person in the console) can read: frames received, the frame rate shown.
const stats = { framesReceived: 0, fps: 0, liveVersion: -1, replayStep: null, curvePoints: 0, judged: 0, worlds: 0 };
window.dashboardStats = stats;

function withToken(url) {
  if (!TOKEN) return url;
  return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(TOKEN);
}

async function getJson(url) {
  const response = await fetch(withToken(url));
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

function notice(text) {
  $("notice").hidden = !text;
  $("notice").textContent = text || "";
}

// ------------------------------------------------------------------------------------------ drawing

function itemSlot(name, count, where) {
  const slot = el("div", { className: name ? "slot" : "slot empty", title: name ? `${name}${count > 1 ? " × " + count : ""}` : where });
  if (where) slot.append(el("span", { className: "where", textContent: where }));
  if (!name) return slot;
  slot.dataset.item = name;
  const img = el("img", { src: withToken(`icons/${name}.png`), alt: name });
  img.onerror = () => { img.remove(); slot.append(el("span", { className: "label", textContent: name })); };
  slot.append(img);
  if (count > 1) slot.append(el("span", { className: "count", textContent: String(count) }));
  return slot;
}

function showInventory(state) {
  const inventory = Object.entries(state.inventory || {}).filter(([, n]) => n > 0).sort();
  $("inventory").replaceChildren(...inventory.map(([name, n]) => itemSlot(name, n)));
  const equipment = state.equipment || {};
  $("equipment").replaceChildren(...EQUIPMENT.map((slot) => itemSlot(equipment[slot] || null, 1, slot)));
}

function setBar(id, value, max, text) {
  const ok = typeof value === "number";
  $(id + "-bar").style.width = ok ? `${Math.max(0, Math.min(1, value / max)) * 100}%` : "0";
  $(id).textContent = ok ? text : "–";
}

function showVitals(state) {
  setBar("health", state.health, 20, `${Math.round((state.health ?? 0) * 10) / 10} / 20`);
  setBar("food", state.food, 20, `${state.food} / 20`);
  const xp = state.xp || {};
  setBar("xp", typeof xp.level === "number" ? xp.progress || 0 : undefined, 1, `level ${xp.level}`);
  const p = state.position;
  $("where").textContent = p ? `x ${p.x.toFixed(1)}  y ${p.y.toFixed(1)}  z ${p.z.toFixed(1)}  · tick ${state.tick ?? "?"}` : "";
}

function when(w) {
  return w ? `step ${w.step} · ${w.ticks} ticks · ${w.wall_s} s` : "";
}

function showProgress(episode, milestones, tiers) {
  $("tiers").replaceChildren(...(episode.tiers || []).map((name) => el("div",
    { className: tiers[name] ? "tier reached" : "tier", title: name },
    [name.replace("_", " "), el("span", { className: "when", textContent: tiers[name] ? when(tiers[name]) : "—" })])));
  const rows = (episode.task_milestones || []).map((name) => {
    const w = milestones[name];
    return el("tr", { className: w ? "reached" : "" }, [
      el("td", { textContent: w ? "✓" : "·" }), el("td", { textContent: name }),
      el("td", { textContent: w ? w.step : "" }), el("td", { textContent: w ? w.ticks : "" }),
      el("td", { textContent: w ? w.wall_s : "" })]);
  });
  $("milestones").tBodies[0].replaceChildren(...rows);
}

function skillText(skill) {
  const args = Object.entries(skill.args || {}).map(([k, v]) => `${k}=${v}`).join(" ");
  return skill.token + (args ? ` (${args})` : "");
}

function outcome(skill) {
  if (skill.ok) {
    const delta = Object.entries(skill.inventory_delta || {}).map(([k, n]) => `${n > 0 ? "+" : ""}${n} ${k}`).join(", ");
    return "ok" + (delta ? `: ${delta}` : "");
  }
  return skill.error ? `${skill.error.kind}: ${skill.error.message || ""}` : "failed";
}

function skillItem(skill) {
  const seconds = typeof skill.wall_ms === "number" ? ` ${(skill.wall_ms / 1000).toFixed(1)} s` : "";
  const reward = typeof skill.reward === "number" && skill.reward ? ` reward ${skill.reward > 0 ? "+" : ""}${skill.reward.toFixed(2)}` : "";
  return el("li", { className: skill.ok ? "ok" : "fail", value: skill.step ?? 0 }, [
    skillText(skill) + " → ", el("span", { className: "outcome", textContent: outcome(skill) }), seconds + reward]);
}

function showSkills(current, recent, label) {
  $("current-skill").textContent = current ? `${label}: ${skillText(current)}` : "—";
  $("current-skill").dataset.started = current && current.started ? current.started : "";
  $("screen-skill").textContent = current ? skillText(current) : "";
  $("recent").replaceChildren(...recent.slice().reverse().map(skillItem));
}

function showEpisode(episode) {
  $("episode-title").textContent = episode.task ? `${episode.task}: ${episode.description || ""}` : "waiting for an episode";
  const policy = episode.policy ? episode.policy.name || "" : "";
  const gained = typeof episode.return === "number" ? `return ${episode.return.toFixed(2)}` : "";
  const parts = [`seed ${episode.seed ?? "?"}`, policy && `policy ${policy}`, `${episode.steps ?? 0} steps`, gained,
    episode.ended && `ended: ${episode.ended}`, episode.session && `session ${episode.session}`];
  $("episode-line").textContent = parts.filter(Boolean).join(" · ");
}

// Block colours for the map's squares, in the order they are tried: [pattern, colour, legend label].
const BLOCK_COLOURS = [
  [/water|kelp|seagrass/, "#3a6fd8", "water"], [/lava|magma/, "#ff7a1a", "lava"], [/diamond/, "#4ee6e0", "diamond ore"],
  [/iron_ore/, "#d8af93", "iron ore"], [/coal_ore/, "#1c1c1c", "coal ore"], [/gold_ore/, "#f0d040", "gold ore"],
  [/redstone_ore/, "#d02020", "redstone ore"], [/lapis_ore/, "#2040c0", "lapis ore"], [/copper_ore/, "#c8703a", "copper ore"],
  [/emerald_ore/, "#20c050", "emerald ore"], [/obsidian/, "#3a2458", "obsidian"], [/_log$|_wood$|_stem$/, "#8a6232", "logs"],
  [/leaves/, "#2f7a2a", "leaves"], [/sugar_cane|bamboo/, "#7ad46a", "cane"],
  [/grass|fern|flower|moss|tulip|poppy|dandelion|bush|orchid|daisy|bluet|allium|cornflower|lily/, "#5da540", "grass, plants"],
  [/dirt|mud|podzol|farmland|mycelium/, "#7a5535", "dirt"], [/sand/, "#dccf8e", "sand"], [/gravel/, "#8c8680", "gravel"],
  [/deepslate|tuff|bedrock/, "#4a4a52", "deepslate"], [/stone|andesite|diorite|granite|calcite/, "#8f8f8f", "stone"],
  [/snow|ice/, "#e8f0ff", "snow, ice"], [/clay/, "#a0a6b8", "clay"],
  [/crafting_table|furnace|chest|torch|enchanting|bed$/, "#c080ff", "placed by the bot"],
];

function blockColour(name) {
  for (const [pattern, colour, label] of BLOCK_COLOURS) if (pattern.test(name)) return [colour, label];
  return ["#9a9aa0", "other"];
}

// [x, y, z, name] of the nearest blocks in a state's scan (what the hub keeps, for replay and the tiles).
function nearestBlocks(state) {
  return Object.entries((state && state.nearest) || {}).map(([name, p]) => [Math.floor(p.x), Math.floor(p.y), Math.floor(p.z), name]);
}

// The top-down map: x right, z down (north up), the area within the scan radius of the path shaded, the
// blocks the scans found as squares coloured by kind (the lower ones first: the view is from above), the
// path coloured by height (surface green, deep purple), the bot a red dot with its facing.
function drawMap(canvas, path, state, fullPath, seen) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const bounds = fullPath && fullPath.length ? fullPath : path;
  if (!bounds.length) return [];
  const radius = state.scan_radius || 16;
  let [minX, maxX, minZ, maxZ] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, , z] of bounds) { minX = Math.min(minX, x); maxX = Math.max(maxX, x); minZ = Math.min(minZ, z); maxZ = Math.max(maxZ, z); }
  minX -= radius; maxX += radius; minZ -= radius; maxZ += radius;
  const scale = Math.min(canvas.width / (maxX - minX), canvas.height / (maxZ - minZ));
  const ox = (canvas.width - (maxX - minX) * scale) / 2, oz = (canvas.height - (maxZ - minZ) * scale) / 2;
  const px = (x) => ox + (x - minX) * scale, pz = (z) => oz + (z - minZ) * scale;
  ctx.fillStyle = "#26303d";
  let last = null;
  for (const [x, , z] of path) {
    if (last && Math.hypot(x - last[0], z - last[1]) < radius / 4) continue;
    ctx.beginPath(); ctx.arc(px(x), pz(z), radius * scale, 0, 2 * Math.PI); ctx.fill();
    last = [x, z];
  }
  const kinds = new Map();
  const size = Math.max(2, scale);
  for (const [x, , z, name] of (seen || []).slice().sort((a, b) => a[1] - b[1])) {
    const [colour, label] = blockColour(name);
    kinds.set(label, colour);
    ctx.fillStyle = colour;
    ctx.fillRect(px(x), pz(z), size, size);
  }
  ctx.lineWidth = 2;
  for (let i = 1; i < path.length; i++) {
    const y = path[i][1];
    const depth = Math.max(0, Math.min(1, (72 - y) / 136));   // y 72 (surface) .. -64 (bottom)
    ctx.strokeStyle = `hsl(${120 + depth * 160}, 60%, ${55 - depth * 20}%)`;
    ctx.beginPath(); ctx.moveTo(px(path[i - 1][0]), pz(path[i - 1][2])); ctx.lineTo(px(path[i][0]), pz(path[i][2])); ctx.stroke();
  }
  const here = state.position || { x: path[path.length - 1][0], z: path[path.length - 1][2] };
  ctx.fillStyle = "#ff4040";
  ctx.beginPath(); ctx.arc(px(here.x), pz(here.z), 4, 0, 2 * Math.PI); ctx.fill();
  const yaw = (state.facing || {}).yaw;
  if (typeof yaw === "number") {   // mineflayer's yaw: 0 faces -z (north), growing counter-clockwise
    ctx.strokeStyle = "#ff4040"; ctx.beginPath(); ctx.moveTo(px(here.x), pz(here.z));
    ctx.lineTo(px(here.x) - Math.sin(yaw) * 12, pz(here.z) - Math.cos(yaw) * 12); ctx.stroke();
  }
  return [...kinds.entries()];
}

function legend(entries) {
  return entries.map(([label, colour]) => el("span", {}, [el("i", { style: `background:${colour}` }), label]));
}

function show(model) {
  const state = model.state || {};
  showEpisode(model.episode || {});
  showVitals(state);
  showInventory(state);
  showProgress(model.episode || {}, model.milestones || {}, model.tiers || {});
  showSkills(model.current, model.recent || [], model.currentLabel || "running");
  const kinds = drawMap($("map"), model.path || [], state, model.fullPath, model.seen || []);
  $("map-legend").replaceChildren(...legend(kinds));
}

// ------------------------------------------------------------------------------------------ finetuning

const CLASSES = [["a", "right, progress"], ["b", "right, no progress"], ["c", "wrong, harmless"], ["d", "wrong, harmful"],
  ["none", "no judgement"]];
// The curves, by their TensorBoard tags (brain/training/finetune.py logs the same numbers there).
const CURVES = [
  ["environment return (last 10 episodes)", ["charts/episode_return"]], ["rollout reward (what PPO learns from)", ["charts/rollout_reward"]],
  ["policy loss", ["losses/policy_loss"]], ["value loss", ["losses/value_loss"]], ["KL to the starting policy", ["losses/kl_ref"]],
  ["entropy", ["losses/entropy"]], ["explained variance", ["losses/explained_variance"]], ["decisions per second", ["perf/decisions_per_s"]],
  ["referee class shares (a b c d)", ["referee/share_a", "referee/share_b", "referee/share_c", "referee/share_d"]],
];
const SERIES_COLOURS = ["#6aa7ff", "#a9d66b", "#e0b050", "#e06060"];
const CLASS_SERIES = { "referee/share_a": "#5cc872", "referee/share_b": "#a9d66b", "referee/share_c": "#e0b050", "referee/share_d": "#e06060" };

function num(v, digits = 2) {
  return typeof v === "number" ? `${v > 0 ? "+" : ""}${v.toFixed(digits)}` : "";
}

function drawCurve(canvas, curves, tags) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const series = tags.map((tag) => curves.filter((c) => typeof (c.scalars || {})[tag] === "number").map((c) => [c.decisions, c.scalars[tag]]));
  const all = series.flat();
  if (!all.length) {
    ctx.fillStyle = "#8b93a3"; ctx.font = "11px sans-serif";
    ctx.fillText(tags[0] === "charts/episode_return" ? "no episode finished yet" : "no point yet", 10, canvas.height / 2);
    return 0;
  }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const lastX = x1;
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= Math.abs(y0) * 0.1 + 0.01; y1 += Math.abs(y1) * 0.1 + 0.01; }
  const pad = 16;
  const px = (x) => pad + (x - x0) / (x1 - x0) * (canvas.width - 2 * pad);
  const py = (y) => canvas.height - pad - (y - y0) / (y1 - y0) * (canvas.height - 2 * pad);
  ctx.fillStyle = "#8b93a3"; ctx.font = "10px sans-serif";
  ctx.fillText(y1.toPrecision(3), 2, 10); ctx.fillText(y0.toPrecision(3), 2, canvas.height - 3);
  ctx.textAlign = "right";
  ctx.fillText(`${lastX} decisions`, canvas.width - 4, canvas.height - 3);
  ctx.textAlign = "left";
  series.forEach((points, i) => {
    ctx.strokeStyle = ctx.fillStyle = CLASS_SERIES[tags[i]] || SERIES_COLOURS[i % SERIES_COLOURS.length];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    points.forEach(([x, y], j) => (j ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
    ctx.stroke();
    for (const [x, y] of points) { ctx.beginPath(); ctx.arc(px(x), py(y), 2.5, 0, 2 * Math.PI); ctx.fill(); }
  });
  return Math.max(...series.map((p) => p.length));
}

function showCurves(curves) {
  const boxes = CURVES.map(([title, tags]) => {
    const canvas = el("canvas", { width: 260, height: 110 });
    const points = drawCurve(canvas, curves, tags);
    canvas.dataset.points = String(points);
    const latest = curves.length ? (curves[curves.length - 1].scalars || {})[tags[0]] : undefined;
    const value = tags.length === 1 && typeof latest === "number" ? latest.toPrecision(3) : "";
    const box = el("div", { className: "curve" }, [el("div", { className: "title" }, [el("span", { textContent: title }),
      el("span", { className: "muted", textContent: value })]), canvas]);
    box.dataset.tag = tags[0];
    return box;
  });
  $("curves").replaceChildren(...boxes);
}

function showTraining(t) {
  $("training-view").hidden = !t || !t.run;
  if (!t || !t.run) return;
  const run = t.run;
  const [ra, rb, rc, rd] = run.rewards || [];
  $("training-run").textContent = `${run.task} · referee ${run.referee}${run.latent ? " · latent policy" : ""} · ${run.workers} worker(s) · from ${run.init}`;
  $("training-line").textContent = `${t.env_steps} / ${run.steps} decisions · ${t.updates} PPO update${t.updates === 1 ? "" : "s"} ` +
    (run.workers > 1 ? `(one per round of ${run.workers} episodes)` : `(every ${run.rollout} decisions)`) +
    ` · ${t.judged} judged · reward = (env + ${run.referee_weight} × referee) × ` +
    `${run.reward_scale}, referee a ${ra} b ${rb} c ${rc} d ${rd}`;
  const mix = t.mix || {};
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  $("class-mix").replaceChildren(...CLASSES.filter(([c]) => mix[c]).map(([c, label]) => el("div", {
    className: `cls-${c}`, style: `width:${100 * mix[c] / total}%`, title: `${c}: ${label} (${mix[c]})`,
    textContent: `${c} ${mix[c]} (${Math.round(100 * mix[c] / total)}%)` })));
  $("class-legend").replaceChildren(...CLASSES.map(([c, label]) => el("span", {}, [el("i", { className: `cls-${c}` }), `${c}: ${label}`])));
  $("training-decisions").tBodies[0].replaceChildren(...(t.decisions || []).slice().reverse().map((row) => {
    const cls = row.class ? el("span", { className: `cls-${row.class}`, textContent: row.class, title: row.reason || "" }) : "…";
    const tr = el("tr", {}, [String(row.step), String(row.seed ?? ""), row.token, row.ok ? "ok" : "failed", num(row.env_reward),
      cls, num(row.referee_reward), num(row.reward, 3)].map((x, i) => el("td", { className: i === 5 ? "class" : "" }, [x])));
    tr.dataset.class = row.class || "";
    return tr;
  }));
  showCurves(t.curves || []);
  stats.curvePoints = (t.curves || []).length;
  stats.judged = t.judged || 0;
}

// ------------------------------------------------------------------------------------------ many worlds

function worldTile(tile) {
  const state = tile.state || {};
  const skill = tile.current ? `running: ${skillText(tile.current)}`
    : tile.last ? `${skillText(tile.last)} → ${outcome(tile.last)}` : "starting";
  const tiers = el("div", { className: "tiers" }, (tile.tier_names || []).map((name) =>
    el("div", { className: tile.tiers.includes(name) ? "tier reached" : "tier", textContent: name.replace("_", " ") })));
  const items = Object.entries(state.inventory || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).slice(0, 10);
  const canvas = el("canvas", { width: 300, height: 120 });
  drawMap(canvas, tile.path || [], state, null, nearestBlocks(state));
  const vitals = `health ${state.health ?? "?"} · food ${state.food ?? "?"} · return ${num(tile.return)}` +
    (tile.ended ? ` · ended: ${tile.ended}` : "");
  const node = el("div", { className: "tile" }, [
    el("h3", {}, [el("span", { textContent: `world ${tile.index} · seed ${tile.seed}` }), el("span", { className: "muted", textContent: `step ${tile.steps}` })]),
    el("div", { className: "skill", textContent: skill, title: skill }), tiers,
    el("div", { className: "muted", textContent: vitals }),
    el("div", { className: "slots" }, items.map(([name, n]) => itemSlot(name, n))), canvas]);
  node.dataset.world = String(tile.index);
  return node;
}

function showWorlds(worlds) {
  $("worlds-view").hidden = !worlds.length;
  $("worlds").replaceChildren(...worlds.map(worldTile));
  stats.worlds = worlds.length;
}

function showFrame(url) {
  const img = $("frame");
  const old = img.dataset.blob;
  img.src = url;
  img.dataset.blob = url.startsWith("blob:") ? url : "";
  if (old) setTimeout(() => URL.revokeObjectURL(old), 1000);
  $("no-frame").hidden = true;
}

// ------------------------------------------------------------------------------------------ live

const live = { socket: null, path: [], seen: [], epoch: null, snapshot: null, arrivals: [], retry: null };

function countFrame() {
  const now = performance.now();
  live.arrivals.push(now);
  while (live.arrivals.length && now - live.arrivals[0] > FPS_WINDOW_MS) live.arrivals.shift();
  stats.framesReceived += 1;
}

setInterval(() => {   // frames per second over the last two seconds, as the page received them
  const now = performance.now();
  while (live.arrivals.length && now - live.arrivals[0] > FPS_WINDOW_MS) live.arrivals.shift();
  stats.fps = live.arrivals.length / (FPS_WINDOW_MS / 1000);
  $("fps").textContent = stats.fps.toFixed(1);
  const started = parseFloat($("current-skill").dataset.started);
  if (started && live.snapshot && live.snapshot.current) {
    $("current-skill").textContent = `running ${((Date.now() / 1000) - started).toFixed(0)} s: ${skillText(live.snapshot.current)}`;
  }
}, 250);

function onLive(snapshot) {
  if (snapshot.path_epoch !== live.epoch || snapshot.path_from === 0) live.path = [];
  if (snapshot.path_epoch !== live.epoch || snapshot.seen_from === 0) live.seen = [];
  live.epoch = snapshot.path_epoch;
  live.path = live.path.concat(snapshot.path);
  live.seen = live.seen.concat(snapshot.seen || []);
  live.snapshot = snapshot;
  stats.liveVersion = snapshot.version;
  for (const line of snapshot.notes || []) if (line) notice(line);
  const worlds = snapshot.worlds || [];
  // Episodes on Ray workers: no world in this process, so the tiles stand in for the episode's panels.
  $("episode-view").hidden = !(snapshot.episode || {}).task && worlds.length > 0;
  showWorlds(worlds);
  if (snapshot.training !== null) showTraining(snapshot.training);   // null: unchanged since the last one
  show({ ...snapshot, path: live.path, seen: live.seen });
}

function openLive() {
  if (live.socket) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(withToken(`${scheme}://${location.host}/ws/live`));
  socket.binaryType = "blob";
  live.socket = socket;
  live.path = []; live.epoch = null;
  socket.onopen = () => { $("connection").textContent = "live: connected"; };
  socket.onmessage = (message) => {
    if (typeof message.data === "string") { onLive(JSON.parse(message.data)); return; }
    countFrame();
    showFrame(URL.createObjectURL(message.data));
  };
  socket.onclose = () => {
    $("connection").textContent = "live: disconnected, retrying";
    live.socket = null;
    if (route().mode === "live") live.retry = setTimeout(openLive, 1000);
  };
}

function closeLive() {
  clearTimeout(live.retry);
  if (live.socket) { const s = live.socket; live.socket = null; s.onclose = null; s.close(); }
}

// ------------------------------------------------------------------------------------------ replay

const replay = { name: null, data: null, index: 0, timer: null, fullPath: [] };

// The blocks the recorded scans found up to step i (each position once), as the live map gathers them.
function seenUpTo(steps, i) {
  const seen = new Map();
  for (const row of steps.slice(0, i + 1)) for (const b of nearestBlocks(row.state)) seen.set(`${b[0]},${b[1]},${b[2]}`, b);
  return [...seen.values()];
}

function replayModel(data, i) {
  const steps = data.steps;
  const row = steps[i];
  const upto = (w) => w && w.step <= row.step;
  const filter = (obj) => Object.fromEntries(Object.entries(obj).filter(([, w]) => upto(w)));
  const meta = data.metadata || {};
  const path = steps.slice(0, i + 1).map((s) => s.state.position).filter(Boolean).map((p) => [p.x, p.y, p.z]);
  const recent = steps.slice(Math.max(0, i - 11), i + 1).filter((s) => s.skill).map((s) => s.skill);
  return {
    episode: { task: meta.task, description: `replay of ${data.name}`, seed: meta.seed, policy: meta.policy,
      steps: row.step, return: row.return, ended: i === steps.length - 1 ? (meta.end_reason || (data.complete ? "" : "cut off")) : null,
      tiers: data.tier_names, task_milestones: data.task_milestones },
    state: row.state, current: row.skill || null, currentLabel: `step ${row.step}`, recent,
    milestones: filter(data.milestones), tiers: filter(data.tiers), path, fullPath: replay.fullPath, seen: seenUpTo(steps, i),
  };
}

function showStep(i) {
  const data = replay.data;
  if (!data || !data.steps.length) return;
  i = Math.max(0, Math.min(data.steps.length - 1, i));
  replay.index = i;
  stats.replayStep = data.steps[i].step;
  const row = data.steps[i];
  $("scrub").value = String(i);
  $("scrub-label").textContent = `step ${row.step} / ${data.steps[data.steps.length - 1].step} · ${row.wall_s} s · ${row.ticks} ticks`;
  if (row.frame !== null && row.frame !== undefined) {
    showFrame(withToken(`api/frame?name=${encodeURIComponent(replay.name)}&index=${row.frame}`));
  }
  for (const li of $("step-list").children) li.classList.toggle("selected", Number(li.dataset.index) === i);
  show(replayModel(data, i));
}

function stepList(data) {
  return data.steps.map((row, i) => {
    const li = row.skill ? skillItem(row.skill) : el("li", { textContent: "reset", value: 0 });
    li.dataset.index = String(i);
    li.onclick = () => showStep(i);
    return li;
  });
}

async function openReplay(name) {
  stopPlaying();
  replay.name = name;
  replay.data = null;
  notice("");
  let data;
  try {
    data = await getJson(`api/session?name=${encodeURIComponent(name)}`);
  } catch (err) {
    notice(`cannot replay ${name}: ${err.message}`);
    $("episode-view").hidden = true; $("steps-view").hidden = true;
    return;
  }
  if (replay.name !== name) return;
  replay.data = data;
  replay.fullPath = data.steps.map((s) => s.state.position).filter(Boolean).map((p) => [p.x, p.y, p.z]);
  const warnings = data.warnings || [];
  if (warnings.length) notice(`${data.complete ? "" : "This session was cut off: it replays up to where it ends. "}${warnings.join("; ")}`);
  $("scrub").max = String(Math.max(0, data.steps.length - 1));
  $("step-list").replaceChildren(...stepList(data));
  $("connection").textContent = `replay: ${data.steps.length} steps`;
  showStep(0);
}

function stopPlaying() {
  clearInterval(replay.timer);
  replay.timer = null;
  $("play-button").textContent = "▶";
}

function togglePlaying() {
  if (replay.timer) { stopPlaying(); return; }
  $("play-button").textContent = "❚❚";
  replay.timer = setInterval(() => {
    if (!replay.data || replay.index >= replay.data.steps.length - 1) { stopPlaying(); return; }
    showStep(replay.index + 1);
  }, 500);
}

$("scrub").addEventListener("input", (e) => showStep(Number(e.target.value)));
$("play-button").addEventListener("click", togglePlaying);
document.addEventListener("keydown", (e) => {
  if (route().mode !== "replay" || e.target.tagName === "INPUT") return;
  if (e.key === "ArrowRight") showStep(replay.index + 1);
  if (e.key === "ArrowLeft") showStep(replay.index - 1);
});

// ------------------------------------------------------------------------------------------ sessions

function duration(row) {
  if (typeof row.wall_s === "number") return `${Math.round(row.wall_s)} s`;
  const a = Date.parse(row.started), b = Date.parse(row.ended);
  return Number.isFinite(a) && Number.isFinite(b) ? `${Math.round((b - a) / 1000)} s` : "";
}

function result(row) {
  if (row.error) return row.error;
  if (row.status !== "closed") return row.status === "running" ? "running (or cut off)" : String(row.status);
  return `${row.success ? "success" : "no success"} (${row.end_reason || "?"})`;
}

async function openSessions() {
  let data;
  try { data = await getJson("api/sessions"); } catch (err) { notice(`cannot list sessions: ${err.message}`); return; }
  $("sessions-root").textContent = `in ${data.root}`;
  $("sessions").tBodies[0].replaceChildren(...data.sessions.map((row) => {
    const tr = el("tr", {}, [row.started || "", row.task || "", String(row.seed ?? ""), row.policy || "", result(row),
      String(row.steps ?? ""), duration(row)].map((text) => el("td", { textContent: text })));
    tr.dataset.name = row.name;
    tr.title = row.name;
    tr.onclick = () => { location.hash = `#replay/${encodeURIComponent(row.name)}`; };
    return tr;
  }));
  if (!data.sessions.length) notice(`no recorded sessions in ${data.root}`);
}

// ------------------------------------------------------------------------------------------ routing

let config = { live: false, open: null };

function route() {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash.startsWith("replay/")) return { mode: "replay", name: hash.slice(7) };
  if (hash === "sessions") return { mode: "sessions" };
  if (hash === "live" && config.live) return { mode: "live" };
  if (config.open) return { mode: "replay", name: config.open };
  return config.live ? { mode: "live" } : { mode: "sessions" };
}

function applyRoute() {
  const r = route();
  document.body.dataset.mode = r.mode;
  $("nav-live").hidden = !config.live;
  $("nav-live").classList.toggle("active", r.mode === "live");
  $("nav-sessions").classList.toggle("active", r.mode !== "live");
  $("episode-view").hidden = r.mode === "sessions";
  $("steps-view").hidden = r.mode !== "replay";
  $("sessions-view").hidden = r.mode !== "sessions";
  $("timeline").hidden = r.mode !== "replay";
  $("fps-box").hidden = r.mode !== "live";
  if (r.mode !== "live") { $("training-view").hidden = true; $("worlds-view").hidden = true; }
  notice("");
  if (r.mode === "live") { stopPlaying(); openLive(); } else closeLive();
  if (r.mode === "replay") openReplay(r.name);
  if (r.mode === "sessions") { stopPlaying(); openSessions(); }
}

// A page nobody looks at (a background tab) lets go of the live stream: with no page watching, the bridge
// renders nothing for the dashboard.
document.addEventListener("visibilitychange", () => {
  if (route().mode !== "live") return;
  if (document.hidden) closeLive(); else openLive();
});

window.addEventListener("hashchange", applyRoute);
getJson("api/config").then((c) => { config = c; applyRoute(); })
  .catch((err) => notice(`the dashboard server did not answer: ${err.message}`));
