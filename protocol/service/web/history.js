// Status labels (a word and a symbol, never colour alone) and the audit history table.

import { KIND_NAMES, eventWords, instanceName, pointerName, valueWords } from "./forms.js";

const STATUS = {
  not_met: ["✖", "Not met"],
  pending: ["◷", "Pending"],
  not_evaluable: ["?", "Not evaluable"],
  met: ["✔", "Met"],
  not_applicable: ["–", "Not applicable"],
};

export function statusLabel(status) {
  const [symbol, text] = STATUS[status] || ["•", status];
  const label = document.createElement("span");
  label.className = "status " + status;
  const mark = document.createElement("span");
  mark.setAttribute("aria-hidden", "true");
  mark.textContent = symbol + " ";
  label.append(mark, text);
  return label;
}

// A rule's name is the problem it looks for: "checks for: sorafenib start outside window".
export function checksFor(name) {
  return name ? `checks for: ${String(name).replaceAll("-", " ")}` : "";
}

// A review as a sentence: "✔ Acknowledged by mo, 2026-12-01 12:17 UTC: comment".
export function reviewText(review) {
  const who = `${review.by}, ${utc(review.at)}: ${review.comment}`;
  if (review.state === "acknowledged") return `✔ Acknowledged by ${who}`;
  if (review.state === "closed") return `✔ Closed by ${who}`;
  const was = review.action === "close" ? "closed" : "acknowledged";
  if (review.state === "reopened") {
    return `Open again: the finding changed after it was ${was} by ${who}`;
  }
  return `Resolved (was ${was} by ${who})`;
}

export function reviewed(review) {
  return !!review && ["acknowledged", "closed"].includes(review.state);
}

function statusWord(status) {
  return status === null || status === undefined ? "absent" : (STATUS[status] || [0, status])[1];
}

function cell(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text instanceof Node) node.append(text);
  else node.append(unbroken(text));
  return node;
}

// Text whose dates and ids (a word with a hyphen and a digit: 2012-10-11, JP-OSK-01, 0-21)
// never break across lines: each such word in a span that does not wrap.
export function unbroken(text) {
  const part = document.createDocumentFragment();
  // A time ("2026-12-01 12:17 UTC") is kept whole too.
  for (const word of String(text ?? "").split(/(\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC|\s+)/)) {
    if (word.includes("-") && /\d/.test(word)) {
      const span = document.createElement("span");
      span.className = "nowrap";
      span.textContent = word;
      part.append(span);
    } else if (word) part.append(word);
  }
  return part;
}

// A stored time as "2026-12-01 12:17 UTC" (the service writes UTC, "...Z").
export function utc(text) {
  if (!text) return "";
  const plain = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})[0-9:.]*(Z|[+-]00:?00)?$/.exec(text);
  if (plain) return `${plain[1]} ${plain[2]} UTC`;
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) return text;
  const iso = time.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

// A value stored at a pointer, in words: an event, a list of them, or one value.
function shown(path, value) {
  const parts = path.split("/").slice(1);
  if (Array.isArray(value)) return value.map((item) => eventWords(parts[0], item)).join(" | ");
  if (value !== null && typeof value === "object") return eventWords(parts[0], value);
  return valueWords(parts[parts.length - 1], value);
}

function list(items) {
  const ul = document.createElement("ul");
  ul.className = "plain";
  for (const text of items) ul.append(cell("li", text));
  return ul;
}

// Each change in words: "added Dosing period 1: start 2012-09-27, end ongoing, 400 mg BID",
// "changed TACE 1 date: 2012-03-15 → 2012-03-16", "removed TACE 3: was Date: 2012-11-02".
function patchLines(version) {
  const old = version.old_values || {};
  return version.patch.flatMap((op) => {
    const verb = { add: "added", remove: "removed", replace: "changed", move: "moved",
      copy: "copied", test: "tested" }[op.op] || op.op;
    const where = op.op === "move" ? op.from : op.path;
    const path = op.path || "";
    // A list added whole (the first event of its kind): one line per event.
    if (op.op === "add" && Array.isArray(op.value) && path.split("/").length === 2
      && op.value.length && !(where in old)) {
      return op.value.map((item, index) =>
        `added ${pointerName(`${path}/${index}`)}: ${shown(path, item)}`);
    }
    const before = where in old ? `${shown(where, old[where])} → ` : "";
    const value = op.op === "remove" ? (before ? `was ${shown(where, old[where])}` : "")
      : `${before}${shown(path, op.value)}`;
    return [`${verb} ${pointerName(path)}${value ? ": " + value : ""}`];
  });
}

// The service's own reason for a new event ("new data: data_cutoff_date") in words.
function reasonWords(reason) {
  return String(reason ?? "").replace(/^new data: ([a-z_]+)$/, (all, kind) => {
    const name = KIND_NAMES[kind];
    if (!name) return all;
    return `new data: ${/^[A-Z]{2}/.test(name) ? name : name.toLowerCase()}`;
  });
}

function changeText(c) {
  return `${c.rule}${c.instance ? " " + instanceName(c.instance) : ""}: ${statusWord(c.from)} → `
    + statusWord(c.to);
}

// Status changes in full; findings that merely appear or go (a first check, a new dosing
// period's own rules) folded under a count, unless they appear not met.
function changeCell(version) {
  const changes = version.finding_changes;
  const quiet = changes.filter((c) => (c.from === null || c.to === null) && c.to !== "not_met");
  const loud = changes.filter((c) => !quiet.includes(c));
  const box = document.createElement("div");
  if (loud.length) box.append(list(loud.map(changeText)));
  if (quiet.length) {
    const fold = document.createElement("details");
    const added = quiet.filter((c) => c.from === null).length;
    const removed = quiet.length - added;
    const words = [added && `${added} added`, removed && `${removed} no longer checked`];
    fold.append(cell("summary", `Findings ${words.filter(Boolean).join(", ")}`),
      list(quiet.map(changeText)));
    box.append(fold);
  }
  return box;
}

function when(text) {
  return cell("td", utc(text), { title: text, class: "when" });
}

// One row per version and per review, in time order.
export function historyTable(history) {
  const rows = [
    ...history.versions.map((v) => ({ at: v.at, kind: "version", item: v })),
    ...(history.reviews || []).map((r) => ({ at: r.at, kind: "review", item: r })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.kind === "version" ? -1 : 1));
  const table = document.createElement("table");
  table.className = "history";
  table.append(cell("caption", "Every stored version and every review, oldest first",
    { class: "visually-hidden" }));
  const head = document.createElement("tr");
  for (const name of ["When", "Who", "What", "Why", "What changed",
    "Findings that changed status"]) head.append(cell("th", name, { scope: "col" }));
  table.append(cell("thead", head));
  const body = document.createElement("tbody");
  for (const { kind, item } of rows) {
    const row = document.createElement("tr");
    row.dataset.kind = kind;
    if (kind === "version") {
      row.append(when(item.at), cell("td", item.author),
        cell("th", `Version ${item.version}: ${item.action.replaceAll("_", " ")}`,
          { scope: "row" }),
        cell("td", reasonWords(item.reason)), cell("td", list(patchLines(item))),
        cell("td", changeCell(item)));
    } else {
      const finding = `${item.rule}${item.instance ? " " + instanceName(item.instance) : ""}`;
      row.append(when(item.at), cell("td", item.by),
        cell("th", `Review: ${item.action === "acknowledge" ? "acknowledged" : "closed"} `
          + `${finding} (version ${item.version})`, { scope: "row" }),
        cell("td", item.comment), cell("td", ""), cell("td", ""));
    }
    body.append(row);
  }
  table.append(body);
  const box = document.createElement("div");
  box.className = "scroll";
  box.append(table);
  return box;
}
