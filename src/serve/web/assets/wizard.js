// The new-environment wizard (src/serve/web/wizard.rs): validation as
// you type, services kept consistent with their dependencies, live
// progress of the create. The pages work without it (a GET flow); this
// adds the API's checks as you type, the create itself and the job's
// live events.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function hoursText(hours) {
    const d = Math.floor(hours / 24), h = hours % 24;
    const parts = [];
    if (d) parts.push(`${d} day${d === 1 ? "" : "s"}`);
    if (h || !d) parts.push(`${h} hour${h === 1 ? "" : "s"}`);
    return parts.join(" ");
  }

  // ------------------------------------------------------------ the form
  const form = document.getElementById("wizard");
  if (form) {
    const boxes = Array.from(form.querySelectorAll('input[name="services"]'));
    const note = document.getElementById("services-note");
    const byName = new Map(boxes.map((b) => [b.value, b]));
    const depends = (box) => (box.dataset.depends || "").split(" ").filter(Boolean);
    const createButton = document.getElementById("create");
    const status = document.getElementById("create-status");
    const range = document.getElementById("ttl-range");
    const ttl = document.getElementById("ttl");
    const ttlText = document.getElementById("ttl-text");
    let touched = false;
    let lastOk = false;

    // Deselecting a service deselects its dependants (they cannot run
    // without it); selecting one selects what it depends on. Either way
    // the note says which and why.
    function closure(start, next) {
      const seen = new Set();
      const queue = [start];
      while (queue.length) {
        const name = queue.pop();
        for (const other of next(name)) if (!seen.has(other)) { seen.add(other); queue.push(other); }
      }
      seen.delete(start);
      return Array.from(seen);
    }
    function dependants(name) {
      return boxes.filter((b) => depends(b).includes(name)).map((b) => b.value);
    }
    function dependencies(name) {
      const box = byName.get(name);
      return box ? depends(box) : [];
    }
    for (const box of boxes) {
      box.addEventListener("change", () => {
        let changed;
        if (box.checked) {
          changed = closure(box.value, dependencies).filter((n) => byName.get(n) && !byName.get(n).checked);
          changed.forEach((n) => { byName.get(n).checked = true; });
          note.textContent = changed.length
            ? `Also selected ${changed.join(", ")}: ${box.value} depends on ${changed.length === 1 ? "it" : "them"}.`
            : "";
        } else {
          changed = closure(box.value, dependants).filter((n) => byName.get(n) && byName.get(n).checked);
          changed.forEach((n) => { byName.get(n).checked = false; });
          note.textContent = changed.length
            ? `Also deselected ${changed.join(", ")}: ${changed.length === 1 ? "it depends" : "they depend"} on ${box.value}, which cannot be left out under ${changed.length === 1 ? "it" : "them"}.`
            : "";
        }
        schedule();
      });
    }

    // The TTL: slider, number and words kept together.
    function syncTtl(from) {
      const max = Number(ttl.max) || 1;
      if (from === ttl && ttl.value.trim() === "") { ttlText.textContent = "no expiry"; return; }
      let value = Math.round(Number(from.value));
      if (!Number.isFinite(value)) return;
      value = Math.min(Math.max(value, 1), max);
      if (from === range) ttl.value = String(value);
      else if (String(value) === from.value) range.value = String(value);
      ttlText.textContent = hoursText(value);
    }
    range?.addEventListener("input", () => { syncTtl(range); schedule(); });
    ttl?.addEventListener("input", () => { syncTtl(ttl); schedule(); });

    // Room `resources` (issue #18): each size's slider and number kept
    // together with its words; `resources()` is what differs from the
    // template's, for the selected services only.
    for (const number of form.querySelectorAll("[data-resource]")) {
      const slider = form.querySelector(`[data-resource-range="${number.id}"]`);
      const text = document.getElementById(`${number.id}-text`);
      const words = () => {
        const max = number.max, unit = text.dataset.resourceText;
        const one = unit === "replicas" && number.value.trim() === "1" ? "replica" : unit;
        text.textContent = number.value.trim() === "" ? `the template's (at most ${max} ${unit})` : `${number.value} ${one} (at most ${max} ${unit})`;
      };
      slider?.addEventListener("input", () => { number.value = slider.value; words(); });
      number.addEventListener("input", () => { if (number.value.trim() !== "") slider.value = number.value; words(); });
    }
    function resources() {
      const picked = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
      const out = {};
      for (const number of form.querySelectorAll("[data-resource]")) {
        const value = number.value.trim(), service = number.dataset.resource, kind = number.dataset.resourceKind;
        if (value === "" || value === number.dataset.default || !picked.has(service)) continue;
        (out[service] ||= {})[kind] = kind === "memory" ? `${value}MB` : Number(value);
      }
      return Object.keys(out).length ? out : undefined;
    }

    // The create being composed, as the API takes it.
    function input() {
      const variables = {};
      for (const field of form.querySelectorAll("[data-variable]")) {
        const value = field.value.trim();
        if (!value) continue;
        variables[field.dataset.variable] = field.dataset.secret ? { secret: value } : value;
      }
      const body = {
        template: form.dataset.template,
        name: form.querySelector('[name="name"]').value.trim(),
        variables,
        services: boxes.filter((b) => b.checked).map((b) => b.value),
      };
      if (ttl && ttl.value.trim()) body.ttl = `${ttl.value.trim()}h`;
      body.resources = resources(); // room `resources`
      return body;
    }

    function showProblems(problems) {
      const nameTouched = touched || form.querySelector('[name="name"]').value.trim() !== "";
      const slots = Array.from(form.querySelectorAll("[data-problems]"));
      const fields = new Set(slots.map((s) => s.dataset.problems));
      // A problem of no field shown here goes under the template's slot.
      const fieldOf = (p) => (fields.has(p.field || "") ? p.field : "template");
      for (const slot of slots) {
        const field = slot.dataset.problems;
        slot.replaceChildren();
        for (const problem of problems.filter((p) => fieldOf(p) === field)) {
          if (field === "name" && !nameTouched) continue;
          const line = element("p");
          line.append(element("span", "✕ ", ""), problem.message + " ", element("code", problem.code, "error-code"));
          line.firstChild.setAttribute("aria-hidden", "true");
          if (problem.help) { line.append(element("br"), element("span", problem.help, "hint")); }
          slot.append(line);
        }
        const control = field === "name" ? form.querySelector('[name="name"]') : null;
        if (control) {
          if (slot.childElementCount) control.setAttribute("aria-invalid", "true");
          else control.removeAttribute("aria-invalid");
        }
      }
    }

    function showPreview(body) {
      const set = (key, text) => { const dd = form.querySelector(`[data-preview="${key}"]`); if (dd) dd.textContent = text; };
      set("name", `${body.name || "(no name yet)"} in ${form.dataset.project}`);
      set("services", body.services.length ? body.services.join(", ") : "none");
      const names = Object.keys(body.variables);
      set("variables", names.length ? names.join(", ") : "none: the template's values");
      if (ttl) set("ttl", ttl.value.trim() === "" ? "no expiry" : hoursText(Number(ttl.value) || 0));
    }

    function setStatus(ok, text) {
      status.replaceChildren();
      const mark = element("span", undefined, `status ${ok ? "ok" : "bad"}`);
      const symbol = element("span", ok ? "✓ " : "✕ ");
      symbol.setAttribute("aria-hidden", "true");
      mark.append(symbol, text);
      status.append(mark);
    }

    // Validation as you type: debounced, the previous one cancelled.
    let timer = null;
    let inflight = null;
    let validateGone = false;
    function schedule() {
      const body = input();
      showPreview(body);
      if (validateGone) return;
      clearTimeout(timer);
      timer = setTimeout(() => validate(body), 250);
    }
    async function validate(body) {
      inflight?.abort();
      const controller = new AbortController();
      inflight = controller;
      try {
        const response = await fetch(form.dataset.validateUrl, {
          method: "POST",
          credentials: "same-origin",
          signal: controller.signal,
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
          body: JSON.stringify(body),
        });
        if (response.status === 404 || response.status === 405) {
          // An older service without `validate`: checked at create.
          validateGone = true;
          return;
        }
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) {
          setStatus(false, answer.error?.message || `the check failed (${response.status})`);
          return;
        }
        showProblems(answer.problems || []);
        lastOk = Boolean(answer.ok) && body.name !== "";
        if (lastOk) setStatus(true, "No problems: ready to create.");
        else if (body.name === "" && !touched) status.textContent = "Give the environment a name.";
        else setStatus(false, "Fix the problems above first.");
      } catch (error) {
        if (error.name !== "AbortError") setStatus(false, "the check could not reach the service; try again");
      } finally {
        if (inflight === controller) inflight = null;
      }
    }

    form.addEventListener("input", (event) => {
      if (event.target.matches('[name="services"]') || event.target === range || event.target === ttl) return;
      if (event.target.matches('[name="name"]')) touched = true;
      schedule();
    });
    // "Check" keeps working as a GET; with the script it checks in place.
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      touched = true;
      clearTimeout(timer);
      validate(input());
    });

    // Create: the API's create with the session's token, then the job.
    if (createButton) {
      createButton.hidden = false;
      createButton.addEventListener("click", async () => {
        touched = true;
        const body = input();
        createButton.disabled = true;
        createButton.setAttribute("aria-busy", "true");
        status.textContent = "Creating…";
        try {
          const response = await fetch(form.dataset.createUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
            body: JSON.stringify(body),
          });
          const answer = await response.json().catch(() => ({}));
          if (response.status === 202 && answer.job !== undefined) {
            window.location.assign(`${form.dataset.jobsUrl}${answer.job}`);
            return;
          }
          const error = answer.error || {};
          const problems = error.problems && error.problems.length
            ? error.problems
            : [{ code: error.code || "", message: error.message || `the create failed (${response.status})`, help: error.help || "", field: "template" }];
          showProblems(problems);
          setStatus(false, error.message || "the create was refused");
        } catch (error) {
          setStatus(false, "the create could not reach the service; try again");
        } finally {
          createButton.disabled = false;
          createButton.removeAttribute("aria-busy");
        }
      });
    }
    schedule();
  }

  // ------------------------------------------------------ the job's page
  const job = document.getElementById("job");
  if (job && job.dataset.finished !== "1") {
    if (!("EventSource" in window)) {
      // No live events: read the page again every 5 seconds.
      setTimeout(() => window.location.reload(), 5000);
      return;
    }
    const list = document.getElementById("job-events");
    const resources = document.getElementById("job-resources");
    const source = new EventSource(job.dataset.events, { withCredentials: true });
    const kinds = ["apply-started", "step", "note", "problem", "apply-finished", "done", "error"];
    function show(event) {
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      const item = element("li");
      item.dataset.kind = event.type;
      item.append(element("span", event.type, "badge"), " ");
      if (data.resource) item.append(element("strong", data.resource), " — ");
      item.append(data.message || "");
      list.append(item);
      if (data.resource) {
        let row = Array.from(resources.querySelectorAll("tr[data-resource]")).find((r) => r.dataset.resource === data.resource);
        if (!row) {
          resources.querySelector("tr:not([data-resource])")?.remove();
          row = element("tr");
          row.dataset.resource = data.resource;
          const head = element("th", data.resource);
          head.scope = "row";
          row.append(head, element("td"));
          resources.append(row);
        }
        row.lastChild.textContent = data.message || "";
      }
    }
    kinds.forEach((kind) => source.addEventListener(kind, show));
    // `end` comes last: the page is read again for its final state (the
    // link to the environment, or the error and what to do next).
    source.addEventListener("end", () => { source.close(); window.location.reload(); });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setTimeout(() => window.location.reload(), 5000);
    };
  }
})();
