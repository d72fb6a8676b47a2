// Entering data: the new-patient form and the event forms, checked as the user types by
// the service's dry run, saved with If-Match, corrections and deletions with a reason.

import {
  KIND_NAMES, LIST_KINDS, buildForm, eventFields, fillForm, formValue, headerFields,
  showErrors, words,
} from "./forms.js";
import { $, announce, api, askReason, debounce, el, hooks, state } from "./page.js";

// --- entering events -------------------------------------------------------------------

export function setUpEntry() {
  const select = $("#event-kind");
  select.replaceChildren(...Object.entries(KIND_NAMES).map(([kind, name]) =>
    el("option", { value: kind }, name)));
  select.value = "tace";
  select.addEventListener("change", () => chooseKind(select.value));
  const header = headerFields(state.schema);
  const form = $("#new-patient-form");
  buildForm(form, header, "np");
  form.append(el("button", { type: "submit" }, "Create the patient"));
  const touched = new Set();
  const spec = { single: false, fields: header };
  form.addEventListener("input", (event) => {
    touched.add(event.target.name);
    debounce("header", () => checkHeader(form, spec, touched, false));
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const record = headerRecord(form, spec);
    if (!(await checkHeader(form, spec, touched, true))) return;
    const answer = await api.call("POST", "/v1/patients", { record });
    if (!answer.ok) {
      showErrors(form, spec, problemErrors(answer.data, "/record"), touched, true);
      return;
    }
    form.reset();
    touched.clear();
    $("#new-patient").open = false;
    announce(`Patient stored, version ${answer.data.version}.`);
    await hooks.openPatient(answer.data.patient_id);
  });
}

function headerRecord(form, spec) {
  return { schema_version: "1", ...formValue(form, spec) };
}

async function checkHeader(form, spec, touched, all) {
  const answer = await api.call("POST", "/v1/check", headerRecord(form, spec));
  if (!answer.ok) return false;
  const errors = answer.data.errors.map((e) => ({ field: e.location, pointer: e.location,
    message: e.message }));
  return showErrors(form, spec, errors, touched, all);
}

// A problem's errors as form errors: pointers made relative to the event being entered.
function problemErrors(problem, prefix = "", base = null) {
  const errors = problem?.errors || [{ pointer: "", message: problem?.detail || "not stored" }];
  return errors.map((e) => {
    const pointer = e.pointer.startsWith(prefix) ? e.pointer.slice(prefix.length) : e.pointer;
    let field = pointer;
    if (base !== null) {
      const inside = pointer === base || pointer.startsWith(base + "/");
      field = inside ? pointer.slice(base.length) : undefined;
    }
    return { ...e, pointer, field };
  });
}

export function chooseKind(kind, correcting = null) {
  const recorded = state.patient && kind in state.patient.record;
  if (!correcting && !LIST_KINDS.includes(kind) && recorded) correcting = { kind, index: 0 };
  state.correcting = correcting;
  state.spec = eventFields(state.schema, kind);
  state.touched = new Set();
  const form = $("#event-form");
  buildForm(form, state.spec.fields, "ev");
  if (correcting) {
    const reason = el("div", { class: "field", "data-field": "reason" },
      el("label", { for: "ev-reason" }, "Reason for change", el("span", { class: "req" },
        " (required)")),
      el("textarea", { id: "ev-reason", name: "reason", rows: "2", maxlength: "2000",
        "aria-describedby": "ev-reason-error" }),
      el("p", { class: "error", id: "ev-reason-error" }));
    form.insertBefore(reason, form.querySelector(".form-error"));
    const stored = state.patient.record[kind];
    fillForm(form, state.spec, LIST_KINDS.includes(kind) ? stored[correcting.index] : stored);
  }
  const label = correcting
    ? `Save the correction of ${KIND_NAMES[kind]}${LIST_KINDS.includes(kind)
      ? " " + (correcting.index + 1) : ""}`
    : `Add the ${KIND_NAMES[kind]}`;
  form.append(el("div", { class: "buttons" }, el("button", { type: "submit" }, label),
    correcting ? el("button", { type: "button", onclick: () => chooseKind(kind) }, "Cancel") : ""));
}

export function startCorrection(kind, index) {
  $("#event-kind").value = kind;
  chooseKind(kind, { kind, index });
  $("#event-form").querySelector("input, select").focus();
}

function eventBase(kind, index) {
  return LIST_KINDS.includes(kind) ? `/${kind}/${index}` : `/${kind}`;
}

async function checkEvent(all) {
  const kind = $("#event-kind").value;
  const form = $("#event-form");
  const body = { kind, event: formValue(form, state.spec) };
  if (state.correcting) body.index = state.correcting.index;
  const answer = await api.call("POST", api.patient(state.patient.patient_id) + "/events/check",
    body);
  if (!answer.ok) {
    return showErrors(form, state.spec, problemErrors(answer.data), state.touched, true);
  }
  return showErrors(form, state.spec, answer.data.errors, state.touched, all);
}

$("#event-form").addEventListener("input", (event) => {
  if (event.target.name === "reason") return;
  state.touched.add(event.target.name);
  debounce("event", () => checkEvent(false));
});

$("#event-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = $("#event-form");
  const kind = $("#event-kind").value;
  const id = state.patient.patient_id;
  const reasonBox = form.elements.reason;
  if (state.correcting && !reasonBox.value.trim()) {
    $("#ev-reason-error").textContent = "A correction needs the reason for change.";
    reasonBox.setAttribute("aria-invalid", "true");
    reasonBox.focus();
    return;
  }
  const value = formValue(form, state.spec);
  const headers = { "If-Match": `"${state.patient.version}"` };
  const answer = state.correcting
    ? await api.call("PUT", `${api.patient(id)}/events/${kind}/${state.correcting.index}`,
      { event: value, reason: reasonBox.value }, headers)
    : await api.call("POST", `${api.patient(id)}/events`, { kind, event: value }, headers);
  if (answer.status === 412) {
    form.querySelector(".form-error").textContent = "Someone stored a newer version of this "
      + "patient; it is shown now. Check the entry and save again.";
    await refreshPatient();
    return;
  }
  if (!answer.ok) {
    const index = state.correcting ? state.correcting.index
      : (state.patient.record[kind] || []).length;
    const errors = problemErrors(answer.data, "", eventBase(kind, index));
    showErrors(form, state.spec, errors, state.touched, true);
    const first = form.querySelector("[aria-invalid=true]");
    if (first) first.focus();
    return;
  }
  await saved(answer.data, kind);
});

export async function refreshPatient() {
  const answer = await api.call("GET", api.patient(state.patient.patient_id));
  if (answer.ok) {
    state.patient = answer.data;
    hooks.renderPatient();
    await Promise.all([hooks.loadTimeline(), hooks.loadHistory()]);
  }
}

export async function saved(view, kind) {
  const page = $("#view-patient");
  page.dataset.busy = "true";
  const before = new Map(state.patient.result.findings.map((f) =>
    [`${f.rule}@${f.instance ?? ""}`, f.status]));
  state.patient = view;
  chooseKind(kind);
  $("#event-form").querySelector("input, select").focus();
  hooks.renderPatient();
  await Promise.all([hooks.loadTimeline(), hooks.loadHistory()]);
  const changed = view.result.findings.filter((f) =>
    before.get(`${f.rule}@${f.instance ?? ""}`) !== f.status)
    .map((f) => `${f.rule} is now ${words(f.status).toLowerCase()}`);
  announce(`Saved as version ${view.version}. ${changed.join("; ")}`);
  delete page.dataset.busy;
}

// --- the reason dialog: deletions and reviews ------------------------------------------

export function deleteEvent(kind, index, label) {
  askReason(`Delete ${label}. Earlier versions keep it; the audit history records the reason.`,
    "Reason for change", async (reason) => {
      const id = state.patient.patient_id;
      const answer = await api.call("DELETE", `${api.patient(id)}/events/${kind}/${index}`,
        { reason }, { "If-Match": `"${state.patient.version}"` });
      if (!answer.ok) return answer.data?.detail || "Not deleted.";
      await saved(answer.data, $("#event-kind").value);
      return null;
    });
}
