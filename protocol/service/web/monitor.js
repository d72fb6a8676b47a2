// The monitor's view: open deviations and queries by site; acknowledge or close one,
// with a comment, and the review shows in the list and in the patient's history. The
// ones already reviewed are listed apart, each with who reviewed it and when.

import { instanceName, words } from "./forms.js";
import { checksFor, reviewText, reviewed, unbroken } from "./history.js";
import { $, announce, api, askReason, el, openButton, role, show, state } from "./page.js";

export async function openMonitor(push = true) {
  show("monitor", push);
  const answer = await api.call("GET", "/v1/review");
  const box = $("#monitor");
  if (!answer.ok) { box.replaceChildren(el("p", { class: "error" }, answer.data.detail)); return; }
  if (!answer.data.sites.length) {
    box.replaceChildren(el("p", { class: "note" }, "No open deviations or queries."));
    return;
  }
  const sites = answer.data.sites;
  const chooser = el("select", { id: "monitor-site" }, el("option", { value: "" }, "all sites"),
    ...sites.map((site) => el("option", { value: site.site_id }, site.site_id || "(none)")));
  chooser.value = state.monitorSite && sites.some((s) => s.site_id === state.monitorSite)
    ? state.monitorSite : "";
  const panels = sites.map((site, n) => sitePanel(site, n));
  const filter = () => {
    state.monitorSite = chooser.value;
    for (const panel of panels) panel.hidden = !!chooser.value && panel.dataset.site !== chooser.value;
  };
  chooser.addEventListener("change", filter);
  box.replaceChildren(el("div", { class: "field narrow" },
    el("label", { for: "monitor-site" }, "Site"), chooser), ...panels);
  filter();
}

function sitePanel(site, n) {
  const split = (items) => [items.filter((i) => !reviewed(i.review)),
    items.filter((i) => reviewed(i.review))];
  const [deviations, doneDeviations] = split(site.deviations);
  const [queries, doneQueries] = split(site.queries);
  const done = doneDeviations.length + doneQueries.length;
  return el("section",
    { class: "panel", "aria-labelledby": `site-${n}`, "data-site": site.site_id },
    el("h2", { id: `site-${n}` }, el("span", { class: "id" }, `Site ${site.site_id || "(none)"}`),
      `: ${count(deviations.length, "open deviation")}, ${count(queries.length, "open query")}`
      + (done ? ` (${done} reviewed)` : "")),
    reviewTable("Open deviations", deviations, "acknowledge"),
    reviewTable("Open queries", queries, "close"),
    ...(done ? [reviewTable("Reviewed: acknowledged deviations", doneDeviations, null, "reviewed"),
      reviewTable("Reviewed: closed queries", doneQueries, null, "reviewed")] : []));
}

function count(n, noun) {
  return `${n} ${n === 1 ? noun : noun.endsWith("query") ? noun.slice(0, -1) + "ies" : noun + "s"}`;
}

function reviewTable(title, items, action, kind = "open") {
  if (!items.length) {
    return kind === "open" ? el("p", { class: "note" }, `No ${title.toLowerCase()}.`) : "";
  }
  const verb = action === "acknowledge" ? "Acknowledge" : "Close";
  return el("table", { class: `review-table ${kind}`, "data-list": kind }, el("caption", {}, title),
    el("thead", {}, el("tr", {}, ...["Patient", "Finding", "Importance", "Message", "Review", ""]
      .map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...items.map((item) => {
      const what = `${item.rule} of patient ${item.patient_id}`;
      return el("tr", { "data-rule": item.rule, "data-review": kind },
        el("td", { class: "id" }, openButton(item.patient_id)),
        el("td", {}, el("strong", { class: "code" }, item.rule),
          item.instance ? el("span", { class: "instance" }, " " + instanceName(item.instance))
            : "",
          el("span", { class: "rule-name" }, checksFor(item.name))),
        el("td", {}, words(item.importance) || "—"), el("td", {}, unbroken(item.message)),
        el("td", { class: item.review ? "review-state " + item.review.state : "" },
          item.review ? unbroken(reviewText(item.review)) : "Open"),
        el("td", {}, !action || role() !== "monitor" ? "" : el("button", { type: "button",
          "aria-label": `${verb} ${what}`, onclick: () => review(item, action, `${verb} ${what}`) },
        verb)));
    })));
}

function review(item, action, what) {
  askReason(`${what}: ${item.message}`, "Comment", async (comment) => {
    const body = { rule: item.rule, action, comment };
    if (item.instance) body.instance = item.instance;
    const answer = await api.call("POST", api.patient(item.patient_id) + "/reviews", body);
    if (!answer.ok) return answer.data?.detail || "Not recorded.";
    announce(`${what}: recorded.`);
    await openMonitor(false);
    return null;
  });
}
