// What every part of the page shares: the API client, the state, building elements,
// announcing, switching views, the reason dialog. app.js fills in `hooks`.

import { Api } from "./api.js";

export const hooks = {};
export const $ = (selector, root = document) => root.querySelector(selector);
export const api = new Api((problem) => hooks.ended(problem));
export const state = { schema: null, view: null, patient: null, spec: null, correcting: null,
  touched: new Set(), patients: [], monitorSite: "" };
const TITLES = { signin: "Sign in", patients: "Patients", worklist: "Worklist",
  patient: "Patient", monitor: "Monitor" };

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "onclick") node.addEventListener("click", value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child ?? "");
  return node;
}

export function announce(text) {
  const region = $("#announce");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 30);
}

export function role() { return api.session?.role; }

export function applyRoles() {
  for (const node of document.querySelectorAll("[data-roles]")) {
    node.hidden = !node.dataset.roles.split(" ").includes(role());
  }
}

export function show(view, push = true) {
  state.view = view;
  for (const section of document.querySelectorAll(".view")) {
    section.hidden = section.id !== "view-" + view;
  }
  for (const button of document.querySelectorAll("#nav button")) {
    if (button.dataset.view === view) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  document.title = `tacecheck — ${TITLES[view]}`;
  if (push) history.pushState({ view, patient: state.patient?.patient_id ?? null }, "", "#" + view);
  $(`#view-${view} h1`).focus();
}

export function openButton(patientId) {
  return el("button", { type: "button", class: "link",
    onclick: () => hooks.openPatient(patientId) }, patientId);
}

const timers = {};
export function debounce(key, fn) {
  clearTimeout(timers[key]);
  timers[key] = setTimeout(fn, 300);
}

// --- the reason dialog: corrections, deletions and reviews -----------------------------

export function askReason(what, label, onOk) {
  const dialog = $("#reason-dialog");
  $("#reason-what").textContent = what;
  $("#reason-label").textContent = `${label} (required)`;
  $("#reason-title").textContent = label;
  $("#reason-text").value = "";
  $("#reason-error").textContent = "";
  dialog.onsubmit = async (event) => {
    event.preventDefault();
    const text = $("#reason-text").value;
    if (!text.trim()) { $("#reason-error").textContent = `${label} is required.`; return; }
    const problem = await onOk(text);
    if (problem) { $("#reason-error").textContent = problem; return; }
    dialog.close();
  };
  dialog.showModal();
  $("#reason-text").focus();
}
$("#reason-cancel").addEventListener("click", () => $("#reason-dialog").close());
