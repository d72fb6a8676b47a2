// The page: sign-in, the patient list and worklist, the patient page, the monitor's view.
// Views are switched in place; the address bar shows only the view's name (#patient),
// never a patient value, and the title never names a patient.

import { KIND_NAMES, LIST_KINDS, eventWords, instanceName, words } from "./forms.js";
import {
  checksFor, historyTable, reviewText, reviewed, statusLabel, unbroken,
} from "./history.js";
import { chooseKind, deleteEvent, setUpEntry, startCorrection } from "./entry.js";
import { openMonitor } from "./monitor.js";
import {
  $, announce, api, applyRoles, el, hooks, openButton, role, show, state,
} from "./page.js";

const ATTENTION = ["not_met", "pending", "not_evaluable"];

// --- sign-in ---------------------------------------------------------------------------

let idleTimer = null;

function watchSession(left = api.session?.expires_in) {
  clearTimeout(idleTimer);
  if (!api.session) return;
  // The service ends the session; look again just after it would have, and clear the page
  // if it has. Looking does not count as activity (the service does not extend it for that).
  idleTimer = setTimeout(async () => {
    const answer = await api.call("GET", "/v1/session");
    if (!answer.ok) ended({});
    else watchSession(answer.data.expires_in);
  }, (left + 2) * 1000);
}

function ended(problem) {
  clearTimeout(idleTimer);
  const wasIn = api.session !== null;
  api.session = null;
  api.csrf = null;
  forget();
  $("#signin-note").textContent = wasIn || problem
    ? "Your session has ended (signed out or expired). Sign in again to continue." : "";
  showSignIn();
}

function forget() {
  // Nothing of a patient stays on the page once the session is over.
  state.patient = null;
  state.patients = [];
  for (const id of ["#patients-table tbody", "#worklist-table tbody", "#timeline", "#findings",
    "#events", "#history", "#monitor", "#event-form", "#patient-summary"]) {
    $(id).replaceChildren();
  }
}

function showSignIn() {
  $("#nav").hidden = true;
  $("#who").hidden = true;
  history.replaceState({ view: "signin" }, "", "#signin");
  show("signin", false);
  $("#signin-token").focus();
}

async function signedIn() {
  $("#signin-token").value = "";
  $("#signin-error").textContent = "";
  $("#signin-note").textContent = "";
  $("#nav").hidden = false;
  $("#who").hidden = false;
  $("#who-name").textContent = `${api.session.user} (${api.session.role})`;
  applyRoles();
  watchSession();
  if (!state.schema) {
    const answer = await api.call("GET", "/openapi.json");
    state.schema = answer.data;
    setUpEntry();
  }
  await openPatients();
}

$("#signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = $("#signin-token").value.trim();
  const error = $("#signin-error");
  if (!token) { error.textContent = "Enter your token."; return; }
  const answer = await api.signIn(token);
  if (!answer.ok) {
    error.textContent = answer.data?.detail || "Sign-in failed.";
    $("#signin-token").setAttribute("aria-invalid", "true");
    return;
  }
  $("#signin-token").removeAttribute("aria-invalid");
  await signedIn();
});

$("#sign-out").addEventListener("click", async () => {
  await api.signOut();
  clearTimeout(idleTimer);
  forget();
  $("#signin-note").textContent = "You have signed out.";
  showSignIn();
});

// --- the patient list and the worklist -------------------------------------------------

async function openPatients(push = true) {
  show("patients", push);
  const items = [];
  for (let offset = 0; ; offset += 500) {
    const answer = await api.call("GET", `/v1/patients?limit=500&offset=${offset}`);
    if (!answer.ok) return;
    items.push(...answer.data.items);
    if (items.length >= answer.data.total || answer.data.items.length === 0) break;
  }
  state.patients = items;
  for (const [id, key] of [["#f-site", "site_id"], ["#f-arm", "cohort"],
    ["#f-eligibility", "eligibility"], ["#f-group", "group"]]) {
    const select = $(id);
    const chosen = select.value;
    const values = [...new Set(items.map((p) => p[key]).filter((v) => v))].sort();
    select.replaceChildren(el("option", { value: "" }, "all"),
      ...values.map((v) => el("option", { value: v }, key === "site_id" ? v : words(v))));
    select.value = values.includes(chosen) ? chosen : "";
  }
  renderPatients();
}

function renderPatients() {
  const search = $("#f-search").value.trim().toLowerCase();
  const wanted = { site_id: $("#f-site").value, cohort: $("#f-arm").value,
    eligibility: $("#f-eligibility").value, group: $("#f-group").value };
  const shown = state.patients.filter((p) =>
    (!search || p.patient_id.toLowerCase().includes(search))
    && Object.entries(wanted).every(([key, value]) => !value || p[key] === value));
  $("#patients-table tbody").replaceChildren(...shown.map((p) => el("tr", {},
    el("td", { class: "id" }, openButton(p.patient_id)),
    el("td", { class: "id" }, p.site_id ?? "—"),
    el("td", {}, words(p.cohort)), el("td", {}, words(p.eligibility)),
    el("td", {}, words(p.group)),
    el("td", { class: p.not_met ? "n hot" : "n" }, String(p.not_met)),
    el("td", { class: "date" }, p.next_due ?? "—"))));
  $("#patients-count").textContent = `${shown.length} of ${state.patients.length} patients shown.`;
}

$("#patient-filter").addEventListener("input", renderPatients);
$("#patient-filter").addEventListener("submit", (event) => event.preventDefault());

async function openWorklist(push = true) {
  show("worklist", push);
  const answer = await api.call("GET", "/v1/worklist");
  if (!answer.ok) return;
  $("#worklist-table tbody").replaceChildren(...answer.data.items.map((w) => el("tr", {},
    el("td", { class: "date" }, w.due_date ?? "—"),
    el("td", { class: "n" }, w.days_left === null ? "—" : String(w.days_left)),
    el("td", { class: "id" }, openButton(w.patient_id)),
    el("td", { class: "id" }, w.site_id ?? "—"),
    el("td", {}, el("strong", { class: "code" }, w.rule),
      el("span", { class: "rule-name" }, checksFor(w.name))),
    el("td", {}, unbroken(w.due)))));
}

// --- the patient page ------------------------------------------------------------------

async function openPatient(patientId, push = true) {
  const answer = await api.call("GET", api.patient(patientId));
  if (!answer.ok) { announce(answer.data?.detail || "The patient could not be read."); return; }
  state.patient = answer.data;
  const page = $("#view-patient");
  page.dataset.busy = "true";
  show("patient", push);
  state.correcting = null;
  if (role() === "entry") chooseKind($("#event-kind").value || "tace");
  renderPatient();
  await Promise.all([loadTimeline(), loadHistory()]);
  delete page.dataset.busy;
}

function renderPatient() {
  const p = state.patient;
  const result = p.result;
  $("#patient-title").textContent = `Patient ${p.patient_id}`;
  $("#patient-summary").replaceChildren(
    el("span", { class: "id" }, `Site ${result.site_id ?? "—"}`),
    ` · ${words(result.cohort)} · version ${p.version} · `
    + `eligibility: ${words(result.eligibility)} · group: ${words(result.group)} · `,
    el("span", { class: "date" }, `checked as of ${result.as_of}`),
    result.as_of_basis ? ` (${words(result.as_of_basis)})` : "");
  renderFindings(result.findings, p.reviews);
  renderEvents(p.record);
}

function reviewOf(finding, reviews) {
  return reviews.find((r) => r.rule === finding.rule
    && (r.instance ?? null) === (finding.instance ?? null));
}

// Code and status first, then what the rule found; the rule's name says what it looks for.
function findingItem(finding, reviews, order) {
  const review = reviewOf(finding, reviews);
  const done = finding.status === "not_met" && reviewed(review);
  const item = el("li", { class: `finding ${finding.status}${done ? " reviewed" : ""}`,
    "data-rule": finding.rule, "data-status": finding.status, "data-order": String(order) },
  el("p", { class: "head" }, statusLabel(finding.status), " ",
    el("strong", { class: "code" }, finding.rule),
    finding.instance ? el("span", { class: "instance" }, ` ${instanceName(finding.instance)}`)
      : "",
    el("span", { class: "rule-name" }, checksFor(finding.name)),
    finding.importance ? el("span", { class: "tag" }, words(finding.importance)) : ""),
  el("p", { class: "message" }, unbroken(finding.message)));
  if (review) {
    item.append(el("p", { class: `review ${review.state}` }, unbroken(reviewText(review))));
  }
  return item;
}

function renderFindings(findings, reviews) {
  const order = new Map(findings.map((f, n) => [f, n]));
  const item = (f) => findingItem(f, reviews, order.get(f));
  const done = (f) => f.status === "not_met" && reviewed(reviewOf(f, reviews));
  const checked = findings.filter(done);
  const attention = findings.filter((f) => ATTENTION.includes(f.status) && !done(f))
    .sort((a, b) => ATTENTION.indexOf(a.status) - ATTENTION.indexOf(b.status));
  const settled = findings.filter((f) => !ATTENTION.includes(f.status))
    .sort((a, b) => (a.status === "met" ? 0 : 1) - (b.status === "met" ? 0 : 1));
  const box = $("#findings");
  const open = $("#settled-box")?.open ? { open: "" } : {};
  box.replaceChildren(
    el("h3", { id: "attention-title" }, `Needs attention (${attention.length})`),
    attention.length
      ? el("ul", { class: "findings", id: "attention", "aria-labelledby": "attention-title" },
        ...attention.map(item))
      : el("p", { class: "note" }, "Nothing needs attention."),
    ...(checked.length ? [
      el("h3", { id: "reviewed-title" }, `Not met, reviewed by the monitor (${checked.length})`),
      el("ul", { class: "findings", id: "reviewed", "aria-labelledby": "reviewed-title" },
        ...checked.map(item))] : []),
    el("details", { id: "settled-box", ...open },
      el("summary", { id: "settled-title" }, `Met and not applicable (${settled.length})`),
      el("ul", { class: "findings", id: "settled", "aria-labelledby": "settled-title" },
        ...settled.map(item))));
}

async function loadTimeline() {
  const answer = await api.call("GET", api.patient(state.patient.patient_id) + "/timeline");
  const box = $("#timeline");
  if (!answer.ok || !answer.data) {
    box.replaceChildren(el("p", { class: "note" }, "Nothing dated in the record to draw yet."));
    return;
  }
  // The service's own drawing (its strings escaped); scripts cannot run (CSP: 'self' only).
  const template = document.createElement("template");
  template.innerHTML = answer.data;
  const svg = template.content.querySelector("svg");
  box.replaceChildren(...(svg ? [svg] : []));
  // Name each deviation's numbered marker beside its finding (numbers in findings order,
  // whichever list, open or reviewed, the finding is shown in).
  const seen = {};
  for (const badge of box.querySelectorAll("g.deviation[data-rule]")) {
    const rule = badge.dataset.rule;
    const items = [...document.querySelectorAll(
      `#findings li.finding.not_met[data-rule="${rule}"]`)]
      .sort((a, b) => Number(a.dataset.order) - Number(b.dataset.order));
    const item = items[seen[rule] = (seen[rule] ?? -1) + 1];
    if (item) {
      item.querySelector(".marker")?.remove();
      const mark = el("span", { class: "marker" }, `marker ${badge.dataset.number} on the timeline`);
      item.querySelector(".head").append(" ", mark);
    }
  }
}

async function loadHistory() {
  const answer = await api.call("GET", api.patient(state.patient.patient_id) + "/history");
  if (answer.ok) $("#history").replaceChildren(historyTable(answer.data));
}

function renderEvents(record) {
  const rows = [];
  for (const kind of Object.keys(KIND_NAMES)) {
    if (!(kind in record)) continue;
    const items = LIST_KINDS.includes(kind) ? record[kind].map((e, i) => [e, i])
      : [[record[kind], 0]];
    for (const [event, index] of items) {
      const label = `${KIND_NAMES[kind]}${LIST_KINDS.includes(kind) ? " " + (index + 1) : ""}`;
      const actions = el("td", {});
      if (role() === "entry") {
        actions.append(
          el("button", { type: "button", onclick: () => startCorrection(kind, index),
            "aria-label": `Correct ${label}` }, "Correct"), " ",
          el("button", { type: "button", onclick: () => deleteEvent(kind, index, label),
            "aria-label": `Delete ${label}` }, "Delete"));
      }
      rows.push(el("tr", {}, el("th", { scope: "row" }, label),
        el("td", {}, unbroken(eventWords(kind, event))), actions));
    }
  }
  $("#events").replaceChildren(rows.length
    ? el("table", {}, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Event"),
      el("th", { scope: "col" }, "Recorded"), el("th", { scope: "col" }, "Change"))),
    el("tbody", {}, ...rows))
    : el("p", { class: "note" }, "No events recorded yet."));
}

// --- navigation ------------------------------------------------------------------------

const OPEN = { patients: openPatients, worklist: openWorklist, monitor: openMonitor };
for (const button of document.querySelectorAll("#nav button")) {
  button.addEventListener("click", () => OPEN[button.dataset.view]());
}

window.addEventListener("popstate", (event) => {
  const kept = event.state;  // kept in the tab's session history, never in the address
  if (!api.session || !kept || kept.view === "signin") return;
  if (kept.view === "patient" && kept.patient) openPatient(kept.patient, false);
  else if (OPEN[kept.view]) OPEN[kept.view](false);
});

Object.assign(hooks, { ended, openPatient, renderPatient, loadTimeline, loadHistory });

(async () => {
  const answer = await api.resume();
  if (answer.ok) await signedIn(); // resume() began the session it found
  // A slow "no session" may arrive after the user signed in meanwhile: keep that session.
  else if (!api.session) showSignIn();
})();
