// The monitor's view: open deviations and queries by site; acknowledge or close one,
// with a comment, and the review shows in the list and in the patient's history.

import { words } from "./forms.js";
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
  const panels = sites.map((site, n) => el("section",
    { class: "panel", "aria-labelledby": `site-${n}`, "data-site": site.site_id },
    el("h2", { id: `site-${n}` }, `Site ${site.site_id || "(none)"}: `
      + `${count(site.deviations.length, "deviation")}, ${count(site.queries.length, "query")}`),
    reviewTable("Deviations", site.deviations, "acknowledge"),
    reviewTable("Queries", site.queries, "close")));
  const filter = () => {
    state.monitorSite = chooser.value;
    for (const panel of panels) panel.hidden = !!chooser.value && panel.dataset.site !== chooser.value;
  };
  chooser.addEventListener("change", filter);
  box.replaceChildren(el("div", { class: "field narrow" },
    el("label", { for: "monitor-site" }, "Site"), chooser), ...panels);
  filter();
}

function count(n, noun) {
  return `${n} ${n === 1 ? noun : noun === "query" ? "queries" : noun + "s"}`;
}

function reviewTable(title, items, action) {
  if (!items.length) return el("p", { class: "note" }, `No open ${title.toLowerCase()}.`);
  const verb = action === "acknowledge" ? "Acknowledge" : "Close";
  return el("table", { class: "review-table" }, el("caption", {}, title),
    el("thead", {}, el("tr", {}, ...["Patient", "Finding", "Importance", "Message", "Review", ""]
      .map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...items.map((item) => {
      const what = `${item.rule} of patient ${item.patient_id}`;
      const reviewed = item.review && ["acknowledged", "closed"].includes(item.review.state);
      return el("tr", { "data-rule": item.rule },
        el("td", {}, openButton(item.patient_id)),
        el("td", {}, `${item.rule} ${item.name}${item.instance ? " " + item.instance : ""}`),
        el("td", {}, words(item.importance) || "—"), el("td", {}, item.message),
        el("td", {}, item.review
          ? `${words(item.review.state)} by ${item.review.by}: ${item.review.comment}`
          : "Open"),
        el("td", {}, reviewed || role() !== "monitor" ? "" : el("button", { type: "button", "aria-label": `${verb} ${what}`,
          onclick: () => review(item, action, `${verb} ${what}`) }, verb)));
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
