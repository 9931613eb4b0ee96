// Mirage dashboard: progressive enhancement, no build step. Pages are
// complete HTML without this file; it adds live refresh, the actions
// (which call the JSON API with the session's CSRF token), the theme
// switch and the logs viewer. Served under a hashed name
// (src/serve/web/assets.rs).
(() => {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (_) { /* no body */ }
    if (!response.ok) {
      const error = (data && data.error) || { message: `the server answered ${response.status}` };
      error.status = response.status;
      throw error;
    }
    return data;
  }

  // A message in the corner, read out by screen readers.
  const toast = document.getElementById("toast");
  function say(text, kind) {
    if (!toast) return;
    const box = document.createElement("div");
    box.className = "notice" + (kind ? " " + kind : "");
    box.setAttribute("role", kind === "bad" ? "alert" : "status");
    const p = document.createElement("p");
    p.textContent = text;
    box.appendChild(p);
    toast.replaceChildren(box);
    if (kind !== "bad") setTimeout(() => { if (toast.contains(box)) box.remove(); }, 8000);
  }
  function failed(error) {
    say(`${error.message || "failed"}${error.help ? " — " + error.help : ""}`, "bad");
  }

  // Regions marked data-refresh="SECONDS" are re-read from the server
  // while the tab is visible (the same page, the same element id) —
  // unless a live stream (data-live) is feeding them.
  async function refresh(region) {
    try {
      const response = await fetch(location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById(region.id);
      if (fresh) region.replaceChildren(...fresh.childNodes);
    } catch (_) { /* offline: the next tick tries again */ }
  }
  document.querySelectorAll("[data-refresh][id]").forEach((region) => {
    const every = Math.max(5, Number(region.dataset.refresh) || 30) * 1000;
    setInterval(() => {
      if (document.hidden || region.dataset.liveState === "on" || region.contains(document.activeElement)) return;
      refresh(region);
    }, every);
  });

  // Live status: server-sent events of the environment's deployments
  // (Railway's subscriptions, read by the server). Each change re-reads
  // the region; polling (above) takes over while the stream is down.
  // The stream follows the deployments on their way when it connects
  // (its snapshot) and ends a while after they settle: a deployment
  // started later (a redeploy from this page) needs a new connection,
  // and a snapshot after the first one re-reads the region (what changed
  // while it was away).
  document.querySelectorAll("[data-live][id]").forEach((region) => {
    if (!window.EventSource) return;
    let source = null;
    let pending = null;
    let snapshots = 0;
    const soon = () => { clearTimeout(pending); pending = setTimeout(() => refresh(region), 250); };
    function connect() {
      if (source) source.close();
      source = new EventSource(region.dataset.live);
      source.addEventListener("snapshot", () => {
        region.dataset.liveState = "on";
        if (snapshots++ > 0) soon();
      });
      source.addEventListener("deployment", (event) => {
        soon();
        try {
          const data = JSON.parse(event.data);
          if (data.health === "failed") say(`${data.service}: ${data.status}`, "bad");
        } catch (_) { /* the refresh shows it anyway */ }
      });
      source.addEventListener("settled", soon);
      source.addEventListener("fallback", () => { region.dataset.liveState = "on"; });
      source.onerror = () => { region.dataset.liveState = "off"; };
    }
    region.liveReconnect = connect;
    connect();
  });

  // Follows a job's server-sent events until it finishes.
  function follow(links, label) {
    return new Promise((resolve) => {
      if (!links || !links.events || !window.EventSource) return resolve(null);
      const source = new EventSource(links.events);
      // Events are named by kind (`step`, `note`, `problem`, `done`…);
      // `end` carries the job's final state.
      const show = (event) => {
        let data = {};
        try { data = JSON.parse(event.data); } catch (_) { /* keep going */ }
        if (data.message) say(`${label}: ${data.resource ? data.resource + " — " : ""}${data.message}`, event.type === "problem" ? "warn" : "");
      };
      ["apply-started", "step", "note", "problem", "apply-finished", "done", "result", "message"].forEach((kind) => source.addEventListener(kind, show));
      source.addEventListener("end", (event) => {
        source.close();
        let data = {};
        try { data = JSON.parse(event.data || "{}"); } catch (_) { /* unreadable end */ }
        resolve(data);
      });
      source.onerror = () => { source.close(); resolve(null); };
    });
  }

  // The confirmation dialog: a typed name for what cannot be undone.
  const dialog = document.getElementById("confirm-dialog");
  function confirmTyped(title, text, name, extra) {
    return new Promise((resolve) => {
      if (!dialog) return resolve(window.confirm(text) ? {} : null);
      dialog.querySelector("h2").textContent = title;
      dialog.querySelector("[data-text]").textContent = text;
      const typed = dialog.querySelector("[data-typed]");
      const typedField = dialog.querySelector("[data-typed-field]");
      const extraField = dialog.querySelector("[data-extra-field]");
      const select = dialog.querySelector("select");
      const ok = dialog.querySelector("[data-ok]");
      typed.value = "";
      typedField.hidden = !name;
      dialog.querySelector("[data-typed-name]").textContent = name || "";
      extraField.hidden = !extra;
      ok.disabled = !!name;
      typed.oninput = () => { ok.disabled = typed.value !== name; };
      dialog.onclose = () => resolve(dialog.returnValue === "ok" ? { choice: select.value } : null);
      // Escape closes the dialog without a return value, keeping the
      // last one: a dialog cancelled after one confirmed would confirm.
      dialog.returnValue = "";
      dialog.showModal();
      (name ? typed : ok).focus();
    });
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const { action, url, name } = button.dataset;
    try {
      if (action === "destroy") {
        event.preventDefault();
        const ok = await confirmTyped(`Destroy ${name}?`,
          `Every service, volume and domain of the environment \u201c${name}\u201d is deleted. This cannot be undone.`, name, false);
        if (!ok) return;
        button.disabled = true;
        const job = await api("DELETE", url);
        say(`Destroying ${name}…`);
        const end = await follow(job.links, name);
        if (end && end.state === "failed") failed({ message: `destroying ${name} failed`, help: end.error || "see the job's events" });
        else location.reload();
      } else if (action === "extend") {
        event.preventDefault();
        // Only the choices the template allows (data-max, seconds).
        const max = Number(button.dataset.max) || Infinity;
        const unit = { h: 3600, d: 86400 };
        let first = null;
        dialog?.querySelectorAll("select option").forEach((option) => {
          const seconds = Number(option.value.slice(0, -1)) * (unit[option.value.slice(-1)] || 0);
          option.disabled = seconds > max;
          if (!option.disabled && first === null) first = option;
        });
        const select = dialog?.querySelector("select");
        if (select && select.selectedOptions[0]?.disabled && first) select.value = first.value;
        const ok = await confirmTyped(`Extend ${name}`, `How much longer should \u201c${name}\u201d live?`, null, true);
        if (!ok) return;
        const done = await api("POST", url, { ttl: ok.choice });
        say(`${name} now expires ${new Date(done.expires_at * 1000).toLocaleString()}`);
        setTimeout(() => location.reload(), 600);
      } else if (action === "redeploy") {
        event.preventDefault();
        button.disabled = true;
        await api("POST", url);
        say(`Redeploy of ${name} requested`);
        // The live stream (data-live), connected again to follow the new
        // deployment, re-reads the services table as its events come:
        // reloading would drop the logs shown. Without it, reload.
        const live = button.closest("[data-live]");
        if (live && live.liveReconnect) live.liveReconnect();
        else setTimeout(() => location.reload(), 800);
      } else if (action === "logout") {
        event.preventDefault();
        await api("POST", "/auth/logout");
        location.href = "/";
      } else if (action === "theme") {
        event.preventDefault();
        const order = ["system", "light", "dark"];
        const now = document.documentElement.dataset.theme || "system";
        const next = order[(order.indexOf(now) + 1) % order.length];
        document.documentElement.dataset.theme = next;
        button.querySelector("[data-theme-label]").textContent = next;
        await api("PATCH", "/api/me/preferences", { theme: next });
      }
    } catch (error) {
      button.disabled = false;
      failed(error);
    }
  });

  // Generic API calls for pages without a script of their own:
  // * <button data-action="api" data-method="DELETE" data-url="/api/…"
  //   [data-body='{"…"}'] [data-confirm="text"] [data-name="typed name"]>
  // * <form data-api="/api/…" data-method="PUT">: its fields as a JSON
  //   object (checkboxes as booleans, data-json fields parsed as JSON,
  //   empty fields left out).
  // Both reload the page on success unless data-then="stay"; an answer
  // with `token` is shown once in the element named by data-reveal.
  async function call(element, method, url, body) {
    const data = await api(method, url, body);
    const reveal = element.dataset.reveal && document.getElementById(element.dataset.reveal);
    if (reveal && data && data.token) {
      reveal.hidden = false;
      const out = reveal.querySelector("output, code") || reveal;
      out.textContent = data.token;
      say("Copy it now: it is not shown again.");
      return;
    }
    say(element.dataset.done || "Done.");
    if (element.dataset.then !== "stay") setTimeout(() => location.reload(), 500);
  }
  document.addEventListener("click", async (event) => {
    const button = event.target.closest('[data-action="api"]');
    if (!button) return;
    event.preventDefault();
    const { method = "POST", url, body, confirm: text, name } = button.dataset;
    if (text && !(await confirmTyped(text, text, name || null, false))) return;
    button.disabled = true;
    try {
      await call(button, method, url, body ? JSON.parse(body) : undefined);
    } catch (error) {
      failed(error);
    } finally {
      button.disabled = false;
    }
  });
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-api]");
    if (!form) return;
    event.preventDefault();
    const body = {};
    for (const field of form.elements) {
      if (!field.name || field.disabled) continue;
      if (field.type === "checkbox") body[field.name] = field.checked;
      else if (field.type === "radio") { if (field.checked) body[field.name] = field.value; }
      else if (field.value !== "") body[field.name] = field.dataset.json !== undefined ? JSON.parse(field.value) : field.value;
    }
    const submit = form.querySelector('[type="submit"]');
    if (submit) submit.disabled = true;
    try {
      await call(form, form.dataset.method || "POST", form.dataset.api, body);
    } catch (error) {
      failed(error);
      for (const problem of error.problems || []) {
        const slot = problem.field && form.querySelector(`[data-problem-for="${problem.field}"]`);
        if (slot) slot.textContent = problem.message;
      }
    } finally {
      if (submit) submit.disabled = false;
    }
  });

  // The logs viewer: the environment's lines merged across its services
  // (or one service's), in a window, filtered; following reads the
  // server-sent events of GET …/logs/follow (the server follows
  // Railway's one log subscription): an EventSource reconnects by itself
  // and sends the last line's id, so nothing is missed or repeated.
  const logs = document.querySelector("form[data-logs]");
  if (logs) {
    const out = document.getElementById("log-lines");
    const status = document.getElementById("log-status");
    const select = document.getElementById("log-service");
    let source = null;
    const seen = new Set();
    const colour = (service) => {
      const option = select && Array.from(select.options).find((o) => o.value === service);
      return option && option.dataset.colour !== undefined ? ` svc-${option.dataset.colour}` : "";
    };
    function query() {
      const form = new FormData(logs);
      const q = new URLSearchParams({ limit: "500" });
      for (const name of ["service", "since", "filter"]) if (form.get(name)) q.set(name, form.get(name));
      if (form.get("build")) q.set("build", "true");
      return q;
    }
    function show(line) {
      const key = `${line.timestamp}\u0000${line.service}\u0000${line.message}`;
      if (seen.has(key)) return;
      seen.add(key);
      const row = document.createElement("div");
      row.className = "line" + (line.severity ? ` sev-${line.severity}` : "");
      const ts = document.createElement("span");
      ts.className = "ts";
      ts.textContent = line.timestamp;
      const service = document.createElement("span");
      service.className = "svc" + colour(line.service);
      service.textContent = line.service || "-";
      row.append(ts, service, document.createTextNode(line.message));
      out.appendChild(row);
    }
    function counted() {
      status.textContent = `${seen.size} line(s)` + (source ? ", following" : "");
    }
    function stop() {
      if (source) source.close();
      source = null;
    }
    function follow() {
      stop();
      const q = query();
      q.delete("build");
      source = new EventSource(`${logs.dataset.logs}/follow?${q}`);
      source.addEventListener("line", (event) => {
        try { show(JSON.parse(event.data)); } catch (_) { return; }
        counted();
        out.scrollTop = out.scrollHeight;
      });
      source.addEventListener("notice", (event) => {
        try { status.textContent = JSON.parse(event.data).message; } catch (_) { /* keep going */ }
      });
      source.addEventListener("failed", (event) => {
        try { status.textContent = JSON.parse(event.data).message; } catch (_) { /* keep going */ }
        stop();
        const box = logs.querySelector("[name=follow]");
        if (box) box.checked = false;
      });
      counted();
    }
    async function load() {
      const q = query();
      const download = document.getElementById("log-download");
      if (download) { const d = new URLSearchParams(q); d.set("format", "text"); download.href = `${logs.dataset.logs}?${d}`; }
      const following = logs.querySelector("[name=follow]")?.checked && !q.get("build");
      out.replaceChildren();
      seen.clear();
      if (following) return follow();
      stop();
      try {
        const data = await api("GET", `${logs.dataset.logs}?${q}`);
        for (const line of data.lines || []) show(line);
        counted();
      } catch (error) {
        status.textContent = error.message || "the logs could not be read";
      }
    }
    logs.addEventListener("submit", (event) => { event.preventDefault(); load(); });
    logs.querySelector("[name=follow]")?.addEventListener("change", load);
    window.addEventListener("pagehide", stop);
  }
})();
