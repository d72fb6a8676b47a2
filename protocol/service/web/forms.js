// Event forms built from the record schema the service publishes (/openapi.json), so a
// form has exactly the record's fields; the errors come from the service's own checks.

import { typedNumber } from "./api.js";

export const KIND_NAMES = {
  diagnosis: "Diagnosis",
  tace: "TACE",
  imaging: "Imaging",
  sorafenib: "Sorafenib dosing period",
  adverse_events: "Adverse event",
  withdrawal: "Withdrawal",
  death_date: "Death",
  last_contact_date: "Last contact",
  data_cutoff_date: "Data cut-off",
};
export const LIST_KINDS = ["tace", "imaging", "sorafenib", "adverse_events"];

const FIELD_NAMES = {
  date: "Date", dose_mg: "Dose per administration (mg)", start_date: "Start date",
  end_date: "End date", onset_date: "Onset date", resolution_date: "Resolution date",
  related_to_sorafenib: "Related to sorafenib", action_taken: "Action taken with sorafenib",
  death_date: "Date of death", last_contact_date: "Date last known alive",
  data_cutoff_date: "Data cut-off", site_id: "Site", patient_id: "Patient id",
  cohort: "Arm", unresectable: "Unresectable", term: "Term", grade: "CTCAE grade",
};

// Coded values as people say them (anything else: its words, first letter capital).
const VALUE_NAMES = {
  sorafenib_after_tace: "Sorafenib after TACE",
  tace_alone_control: "TACE alone (historical control)",
  sorafenib_ge_4m: "Sorafenib ≥ 4 months", sorafenib_lt_4m: "Sorafenib < 4 months",
  tace_alone: "TACE alone", unassigned: "Unassigned",
  hepatocellular_carcinoma: "Hepatocellular carcinoma",
  drug_eluting_beads: "Drug-eluting beads", US: "US (ultrasound)",
  QD: "QD (once daily)", BID: "BID (twice daily)", TID: "TID (three times daily)",
  QOD: "QOD (every other day)", adverse_event: "Adverse event",
  data_cutoff_date: "data cut-off", option: "the date asked for", today: "today",
};

// Free-text fields with the values the study knows, offered as a choice; "other" types one.
const SUGGESTED = { condition: ["hepatocellular_carcinoma"] };
const OTHER = "__other__";

// Hints in plain words where the schema's description speaks of the record's encoding.
const HINTS = {
  condition: "Hepatocellular carcinoma is the condition that qualifies; choose other to type "
    + "another.",
  unresectable: "Yes when the tumour was judged unresectable.",
  end_date: "Last day of the period.",
  dose_mg: "mg per administration; the daily dose is this times 1 (QD), 2 (BID), 3 (TID) or "
    + "0.5 (QOD).",
  grade: "CTCAE grade, a whole number: 1 (mild) to 5 (death related to the AE).",
  resolution_date: "Date the event resolved; leave empty while unresolved.",
  serious: "Yes for a serious adverse event (ICH E2A).",
  related_to_sorafenib: "The investigator's causality assessment.",
  data_cutoff_date: "Date up to which this record's data are complete: a full date, "
    + "YYYY-MM-DD. Checks are made as of this date.",
};

// How the record's parts are named in a message ("tace[0].date": "TACE 1 date").
const PART_NAMES = {
  diagnosis: "Diagnosis", tace: "TACE", imaging: "Imaging", sorafenib: "Dosing period",
  adverse_events: "Adverse event", withdrawal: "Withdrawal",
};

export function words(text) {
  if (text === null || text === undefined) return "";
  if (Object.hasOwn(VALUE_NAMES, text)) return VALUE_NAMES[text];
  const spaced = String(text).replaceAll("_", " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function fieldName(name) {
  return FIELD_NAMES[name] || words(name);
}

function lower(text) {
  return /^[A-Z]{2}/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

// A part of the record in words: kind, zero-based index and field, as a message or a
// JSON Pointer names them ("Dosing period 2 start date", "Diagnosis date", "Data cut-off").
export function partName(kind, index, field) {
  const part = PART_NAMES[kind];
  if (!part) return fieldName(kind) + (field ? " " + lower(fieldName(field)) : "");
  const number = index === null || index === undefined ? "" : ` ${Number(index) + 1}`;
  return part + number + (field ? " " + lower(fieldName(field)) : "");
}

const PATH = new RegExp(String.raw`\b(${Object.keys(PART_NAMES).join("|")})(?:\[(\d+)\])?`
  + String.raw`(?:\.([a-z_]+))?(?![\w\[.])|\b(${Object.keys(FIELD_NAMES)
    .filter((n) => n.includes("_") && !(n in PART_NAMES)).join("|")})\b`, "g");

// The service's message with the record paths it names in words, the rest kept as it is.
export function inWords(message) {
  return String(message).replace(PATH, (all, kind, index, field, top, at) => {
    if (!top && index === undefined && field === undefined) return all;  // plain "diagnosis"
    const name = top ? fieldName(top) : partName(kind, index, field);
    return at === 0 ? name : lower(name);
  });
}

// A JSON Pointer into the record in words: "/sorafenib/0/end_date", "/tace/1".
export function pointerName(pointer) {
  const [kind, ...rest] = pointer.split("/").slice(1);
  if (!kind) return "the record";
  const index = rest.length && /^\d+$/.test(rest[0]) ? rest.shift() : null;
  return partName(kind, index, rest.join(" ") || null);
}

// A finding's instance in words: "/sorafenib/0" is "Dosing period 1"; other names as they are.
export function instanceName(instance) {
  return String(instance ?? "").startsWith("/") ? pointerName(instance) : (instance ?? "");
}

// One value in words: yes/no, a coded value's name, "none" (or "ongoing" for an end).
export function valueWords(name, value) {
  if (value === true) return "yes";
  if (value === false) return "no";
  if (value === null || value === undefined) {
    return name === "end_date" ? "ongoing" : name === "related_to_sorafenib"
      ? "not assessed" : "none";
  }
  if (typeof value === "string" && Object.hasOwn(VALUE_NAMES, value)) return VALUE_NAMES[value];
  if (typeof value === "string" && /^[a-z]+(_[a-z]+)+$/.test(value)) return lower(words(value));
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

// An event in words: "start 2012-09-27, end ongoing, 400 mg BID, initial"; a date alone.
export function eventWords(kind, event) {
  if (event === null || typeof event !== "object") return valueWords(kind, event);
  if (kind === "sorafenib") {
    const parts = [`start ${event.start_date ?? "not recorded"}`,
      `end ${valueWords("end_date", event.end_date)}`];
    if (event.dose_mg !== undefined) {
      parts.push(`${event.dose_mg} mg ${event.frequency ?? ""}`.trim());
    }
    if (event.reason) parts.push(lower(words(event.reason)));
    return parts.join(", ");
  }
  return Object.entries(event).map(([k, v]) => `${fieldName(k)}: ${valueWords(k, v)}`)
    .join("; ");
}

function resolve(components, node) {
  while (node && node.$ref) node = components[node.$ref.split("/").pop()];
  return node || {};
}

function describe(components, name, node, required) {
  let nullable = false;
  let base = node;
  if (node.anyOf) {
    nullable = node.anyOf.some((n) => n.type === "null");
    base = node.anyOf.find((n) => n.type !== "null") || {};
  }
  const resolved = resolve(components, base);
  const types = [].concat(resolved.type || node.type || []);
  if (types.includes("null")) nullable = true;
  let type = "text";
  if (resolved.format === "partial-date" || (resolved.pattern || "").startsWith("^(19")) {
    type = "date";
  } else if (resolved.enum) type = "enum";
  else if (SUGGESTED[name] && types.includes("string")) type = "suggest";
  else if (types.includes("boolean")) type = "bool";
  else if (types.includes("number") || types.includes("integer")) type = "number";
  const full = resolved.pattern && !resolved.pattern.includes(")?");
  return {
    name, required, nullable, type, options: resolved.enum || SUGGESTED[name] || [],
    label: fieldName(name),
    hint: HINTS[name] ?? (node.description || resolved.description || ""),
    placeholder: type === "date" ? (full ? "YYYY-MM-DD" : "YYYY-MM-DD, YYYY-MM or YYYY") : "",
  };
}

// The fields of one kind of event: {single, fields}; single: the event is one date.
export function eventFields(schema, kind) {
  const components = schema.components.schemas;
  const record = components.PatientRecord;
  let node = record.properties[kind];
  if (node.type === "array") node = node.items;
  node = resolve(components, node);
  if (node.type !== "object") {
    return { single: true, fields: [describe(components, kind, record.properties[kind], true)] };
  }
  const required = node.required || [];
  const fields = Object.entries(node.properties).map(
    ([name, sub]) => describe(components, name, sub, required.includes(name)));
  return { single: false, fields };
}

export function headerFields(schema) {
  const components = schema.components.schemas;
  const record = components.PatientRecord;
  return ["patient_id", "cohort", "site_id"].map((name) =>
    describe(components, name, record.properties[name], name !== "site_id"));
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

// A choice of the suggested values, "other" opening a text box for any other value.
function suggestControl(field, id) {
  const box = element("div", { class: "suggest" });
  const select = element("select", { id, name: field.name });
  select.append(element("option", { value: "" }, "— choose —"));
  for (const value of field.options) select.append(element("option", { value }, words(value)));
  select.append(element("option", { value: OTHER }, "other (type it)"));
  const other = element("div", { class: "field other", hidden: "" });
  const otherId = `${id}-other`;
  other.append(element("label", { for: otherId }, `${field.label}, in words`),
    element("input", { id: otherId, name: `${field.name}_other`, type: "text",
      autocomplete: "off", "aria-describedby": `${id}-error` }));
  select.addEventListener("change", () => { other.hidden = select.value !== OTHER; });
  box.append(select, other);
  return box;
}

function control(field, id) {
  if (field.type === "suggest") return suggestControl(field, id);
  if (field.type === "enum" || field.type === "bool") {
    const select = element("select", { id, name: field.name });
    const empty = field.type === "bool" ? "not recorded" : "choose";
    select.append(element("option", { value: "" }, `— ${empty} —`));
    const options = field.type === "bool"
      ? [["true", "yes"], ["false", "no"], ...(field.nullable ? [["null", "not assessed"]] : [])]
      : field.options.map((o) => [o, words(o)]);
    for (const [value, text] of options) select.append(element("option", { value }, text));
    return select;
  }
  const input = element("input", { id, name: field.name, type: "text", autocomplete: "off" });
  if (field.placeholder) input.setAttribute("placeholder", field.placeholder);
  if (field.type === "number") input.setAttribute("inputmode", "decimal");
  if (field.type === "date") input.setAttribute("inputmode", "numeric");
  return input;
}

// Build the fields into `form`; ids are prefixed so that two forms never clash.
export function buildForm(form, fields, prefix) {
  form.replaceChildren();
  for (const field of fields) {
    const id = `${prefix}-${field.name}`;
    const box = element("div", { class: "field", "data-field": field.name });
    const label = element("label", { for: id }, field.label);
    // Required but nullable (a period's end): it must be given, and empty says "none yet".
    const need = !field.required ? "" : field.nullable ? " (leave empty while ongoing)"
      : " (required)";
    if (need) label.append(element("span", { class: "req" }, need));
    const input = control(field, id);
    const hint = element("p", { class: "hint", id: id + "-hint" }, field.hint);
    const error = element("p", { class: "error", id: id + "-error" });
    (input.querySelector("select") || input)
      .setAttribute("aria-describedby", `${id}-hint ${id}-error`);
    box.append(label, input, hint, error);
    form.append(box);
  }
  form.append(element("p", { class: "error form-error", id: prefix + "-form-error",
    role: "alert" }));
}

function read(field, input, form) {
  if (field.type === "suggest" && input.value === OTHER) {
    const typed = form.elements[`${field.name}_other`].value;
    return typed.trim() === "" ? undefined : typed;
  }
  const text = input.value;
  const empty = text.trim() === "";
  if (field.type === "bool") {
    return empty ? undefined : { true: true, false: false, null: null }[text];
  }
  if (empty) return field.type === "date" && field.required && field.nullable ? null : undefined;
  if (field.type === "number") return typedNumber(text.trim());
  return text;
}

// The event the form holds (an object, or one date for a single-date kind).
export function formValue(form, spec) {
  const values = {};
  for (const field of spec.fields) {
    const value = read(field, form.elements[field.name], form);
    if (value !== undefined) values[field.name] = value;
  }
  if (spec.single) return values[spec.fields[0].name] ?? "";
  return values;
}

export function fillForm(form, spec, event) {
  for (const field of spec.fields) {
    const value = spec.single ? event : event?.[field.name];
    const input = form.elements[field.name];
    if (field.type === "suggest") {
      const known = value === undefined || field.options.includes(value);
      input.value = value === undefined ? "" : known ? value : OTHER;
      form.elements[`${field.name}_other`].value = known ? "" : value;
      input.dispatchEvent(new Event("change"));
    } else if (value === undefined) input.value = "";
    else if (field.type === "bool") input.value = String(value);
    else input.value = value === null ? "" : String(value);
  }
}

// Show errors: [{field, message, expected}] where field is the pointer inside the event
// ("/date", "" for the event itself, null for elsewhere). Fields not in `touched` stay
// quiet unless `all`.
export function showErrors(form, spec, errors, touched, all) {
  const byField = new Map();
  const general = [];
  for (const error of errors) {
    const text = inWords(error.message)
      + (error.expected ? ` (expected: ${error.expected})` : "");
    let name = null;
    if (error.field === "" && spec.single) name = spec.fields[0].name;
    else if (error.field) name = error.field.split("/")[1];
    if (name && spec.fields.some((f) => f.name === name)) {
      byField.set(name, [...(byField.get(name) || []), text]);
    } else {
      general.push(error.field === null ? `Elsewhere in the record (${error.pointer}): ${text}`
        : text);
    }
  }
  for (const field of spec.fields) {
    const box = form.querySelector(`[data-field="${field.name}"]`);
    const shown = all || touched.has(field.name) ? byField.get(field.name) || [] : [];
    box.querySelector(".error").textContent = shown.join(" ");
    const input = form.elements[field.name];
    if (shown.length) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  const formError = form.querySelector(".form-error");
  formError.textContent = all || general.length ? general.join(" ") : "";
  return errors.length === 0;
}
