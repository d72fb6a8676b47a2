// Status labels (a word and a symbol, never colour alone) and the audit history table.

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

function statusWord(status) {
  return status === null || status === undefined ? "absent" : (STATUS[status] || [0, status])[1];
}

function cell(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text instanceof Node) node.append(text);
  else node.textContent = text;
  return node;
}

function shown(value) {
  return value === undefined ? "" : JSON.stringify(value);
}

function list(items) {
  const ul = document.createElement("ul");
  ul.className = "plain";
  for (const text of items) ul.append(cell("li", text));
  return ul;
}

function patchLines(version) {
  const old = version.old_values || {};
  return version.patch.map((op) => {
    const verb = { add: "added", remove: "removed", replace: "changed", move: "moved",
      copy: "copied", test: "tested" }[op.op] || op.op;
    const where = op.op === "move" ? op.from : op.path;
    const before = where in old ? `${shown(old[where])} → ` : "";
    const value = op.op === "remove" ? (before ? `was ${shown(old[where])}` : "")
      : `${before}${shown(op.value)}`;
    return `${verb} ${op.path || "the record"}: ${value}`;
  });
}

function changeText(c) {
  return `${c.rule}${c.instance ? " " + c.instance : ""}: ${statusWord(c.from)} → `
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
  return cell("td", text.replace("T", " ").slice(0, 19), { title: text });
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
  for (const name of ["When (UTC)", "Who", "What", "Why", "What changed",
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
        cell("td", item.reason), cell("td", list(patchLines(item))), cell("td", changeCell(item)));
    } else {
      const finding = `${item.rule}${item.instance ? " " + item.instance : ""}`;
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
