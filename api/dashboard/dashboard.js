// The skyledger dashboard: plain DOM, no framework, no build step.
// It calls the same OpenStack APIs as any client with the token the user pastes (kept in this
// tab's sessionStorage only), and polls /dashboard/api/events for the live timeline. Everything
// the API returns is put in the page as text (textContent), never as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "skyledger-token";
  const COMPUTE = "/compute/v2.1";
  const POLL_MS = 1000; // the timeline's poll
  const REFRESH_MS = 5000; // servers, quota and hosts, besides a refresh when events arrive
  const MAX_TIMELINE = 200;
  // Every compute host records one every SKYLEDGER_REPORT_INTERVAL: liveness, not news.
  const QUIET = new Set(["ComputeHeartbeat.Beat"]);
  const POWER = {0: "NOSTATE", 1: "Running", 3: "Paused", 4: "Shutdown", 6: "Crashed", 7: "Suspended"};

  let token = null;
  let isAdmin = false; // the token's roles include admin: list every project's servers
  let serverNames = {}; // server id (32 hex digits, as events name aggregates) -> name
  let cursor = null; // the event feed's position: ask for what came after it
  let refreshedAt = 0;
  let stopPolling = () => {};

  class Unauthorized extends Error {}

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
    }
    return node;
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      const inner = Object.values(body)[0] || {};
      return inner.message || JSON.stringify(body);
    } catch (_) {
      return `${response.status} ${response.statusText}`;
    }
  }

  // One API call with the token; 401 means the token is no good any more: back to the login.
  async function api(path, headers = {}) {
    const response = await fetch(path, {
      headers: {"X-Auth-Token": token, "Accept": "application/json", ...headers},
      cache: "no-store",
    });
    if (response.status === 401) throw new Unauthorized(await errorText(response));
    return response;
  }

  async function json(path) {
    const response = await api(path);
    if (!response.ok) throw new Error(`${path}: ${await errorText(response)}`);
    return response.json();
  }

  // -- panels ---------------------------------------------------------------------------------

  function bar(label, used, total, unit = "") {
    const unlimited = total === -1;
    const share = unlimited || total <= 0 ? 0 : Math.min(used / total, 1);
    const fill = el("div", {class: "fill" + (share >= 1 ? " full" : share >= 0.8 ? " high" : "")});
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    const limit = unlimited ? "unlimited" : `${total}${unit}`;
    return el("div", {class: "usage", "data-resource": label, "data-used": used, "data-total": total},
      el("div", {class: "label"}, el("span", {}, label), el("span", {class: "amount"}, `${used}${unit} / ${limit}`)),
      el("div", {class: "bar", role: "meter", "aria-valuenow": used, "aria-valuemax": total}, fill));
  }

  function addressText(addresses) {
    return Object.entries(addresses || {})
      .map(([net, list]) => `${net}: ${list.map((a) => a.addr).join(", ")}`).join("; ");
  }

  async function showServers() {
    const {servers} = await json(`${COMPUTE}/servers/detail${isAdmin ? "?all_tenants=1" : ""}`);
    serverNames = Object.fromEntries(servers.map((s) => [s.id.replaceAll("-", ""), s.name]));
    const body = $("servers").tBodies[0];
    body.replaceChildren(...servers.map((s) => el("tr", {"data-id": s.id},
      el("td", {class: "name"}, s.name),
      el("td", {class: "id"}, (s.tenant_id || "").slice(0, 8)),
      el("td", {class: `status status-${s.status}`}, s.status),
      el("td", {}, POWER[s["OS-EXT-STS:power_state"]] ?? ""),
      el("td", {}, addressText(s.addresses)),
      el("td", {class: "id"}, s.id))));
    $("servers-empty").hidden = servers.length > 0;
  }

  async function showQuota() {
    const {limits} = await json(`${COMPUTE}/limits`);
    const a = limits.absolute;
    $("quota").replaceChildren(
      bar("instances", a.totalInstancesUsed, a.maxTotalInstances),
      bar("cores", a.totalCoresUsed, a.maxTotalCores),
      bar("ram", a.totalRAMUsed, a.maxTotalRAMSize, " MiB"));
  }

  // Nova lets only admins read hypervisors (os_compute_api:os-hypervisors:*): a member's token
  // gets 403, and the panel says so instead of guessing at capacity it may not see.
  async function showHosts() {
    const response = await api(`${COMPUTE}/os-hypervisors/detail`);
    if (response.status === 403) {
      $("hosts").replaceChildren(el("p", {id: "hosts-admin-only", class: "note"}, "hosts: admin only"));
      return;
    }
    if (!response.ok) throw new Error(await errorText(response));
    const {hypervisors} = await response.json();
    $("hosts").replaceChildren(...hypervisors.map((h) => el("div", {class: "host", "data-host": h.hypervisor_hostname},
      el("h3", {}, `${h.hypervisor_hostname} `, el("span", {class: "note"}, `${h.state}, ${h.status}, ${h.running_vms} VMs`)),
      bar("vcpus", h.vcpus_used, h.vcpus),
      bar("memory", h.memory_mb_used, h.memory_mb, " MiB"),
      bar("disk", h.local_gb_used, h.local_gb, " GB"))));
    if (hypervisors.length === 0) $("hosts").append(el("p", {class: "note"}, "No compute hosts."));
  }

  async function refresh() {
    refreshedAt = Date.now();
    await Promise.all([showServers(), showQuota(), showHosts()]);
    $("servers-scope").textContent = isAdmin ? "(all projects)" : "(this project)";
  }

  // -- timeline -------------------------------------------------------------------------------

  function eventItem(e, fresh) {
    const time = (e.occurred_at || "").replace("T", " ").slice(0, 19);
    return el("li", {class: fresh ? "new" : "", "data-position": e.position, "data-aggregate": e.aggregate_id},
      el("span", {class: "when"}, time),
      el("span", {class: "what"}, `${e.aggregate_type}.${e.event}`),
      el("span", {class: "subject"}, e.name || serverNames[e.aggregate_id] || e.aggregate_id.slice(0, 8)),
      el("span", {class: "note"}, e.user_id ? `by ${shortId(e.user_id)}` : ""));
  }

  // Users are 32 hex digits; workers record names such as "compute:HOST", shown whole.
  function shortId(id) {
    return /^[0-9a-f]{32}$/.test(id) ? id.slice(0, 8) : id;
  }

  async function pollEvents() {
    const query = cursor === null ? "" : `?after=${cursor}`;
    const feed = await json(`/dashboard/api/events${query}`);
    const first = cursor === null;
    cursor = feed.position;
    $("timeline-scope").textContent = feed.scope === "all" ? "(all projects)" : "(this project)";
    const list = $("timeline");
    const news = feed.events.filter((e) => !QUIET.has(`${e.aggregate_type}.${e.event}`));
    for (const e of news) list.prepend(eventItem(e, !first));
    while (list.children.length > MAX_TIMELINE) list.lastElementChild.remove();
    return !first && news.length > 0;
  }

  // -- session --------------------------------------------------------------------------------

  function every(ms, work) {
    let stopped = false;
    const loop = async () => {
      if (stopped) return;
      try {
        await work();
      } catch (error) {
        if (error instanceof Unauthorized) return logout(`Token not accepted: ${error.message}`);
        console.error(error);
      }
      if (!stopped) setTimeout(loop, ms);
    };
    loop();
    return () => { stopped = true; };
  }

  function start(info) {
    const project = ` @ ${info.project.name}`;
    const roles = (info.roles || []).map((r) => r.name).join(", ");
    isAdmin = (info.roles || []).some((r) => r.name === "admin");
    $("whoami").textContent = `${info.user.name}${project}${roles ? ` [${roles}]` : ""}`;
    $("login").hidden = true;
    $("board").hidden = false;
    $("logout").hidden = false;
    // One loop, so that the panels are shown before the first events (which name servers
    // from them), and a refresh never overlaps another.
    stopPolling = every(POLL_MS, async () => {
      if (cursor === null || Date.now() - refreshedAt >= REFRESH_MS) await refresh();
      if (await pollEvents()) await refresh();
    });
  }

  async function validated(candidate) {
    // GET /auth/tokens with the token as both caller and subject: Keystone's own check.
    token = candidate;
    const response = await api("/identity/v3/auth/tokens", {"X-Subject-Token": candidate});
    if (!response.ok) throw new Unauthorized(await errorText(response));
    const info = (await response.json()).token;
    // Servers, quotas and events are a project's: an unscoped token could show none of them.
    if (!info.project) throw new Unauthorized("the token has no project scope");
    return info;
  }

  async function login(candidate) {
    $("login-error").textContent = "";
    try {
      const info = await validated(candidate);
      sessionStorage.setItem(TOKEN_KEY, candidate);
      start(info);
    } catch (error) {
      logout(error instanceof Unauthorized ? `Token not accepted: ${error.message}` : String(error));
    }
  }

  function logout(message = "") {
    stopPolling();
    token = null;
    cursor = null;
    isAdmin = false;
    serverNames = {};
    sessionStorage.removeItem(TOKEN_KEY);
    $("timeline").replaceChildren();
    $("whoami").textContent = "";
    $("board").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      login($("token").value.trim());
      $("token").value = "";
    });
    $("logout").addEventListener("click", () => logout());
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) login(saved);
  });
})();
