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
  data_cutoff_date: "Data cut-off date", site_id: "Site", patient_id: "Patient id",
  cohort: "Arm", unresectable: "Unresectable", term: "Term", grade: "CTCAE grade",
};

export function words(text) {
  if (text === null || text === undefined) return "";
  const spaced = String(text).replaceAll("_", " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
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
  else if (types.includes("boolean")) type = "bool";
  else if (types.includes("number") || types.includes("integer")) type = "number";
  const full = resolved.pattern && !resolved.pattern.includes(")?");
  return {
    name, required, nullable, type, options: resolved.enum || [],
    label: FIELD_NAMES[name] || words(name),
    hint: node.description || resolved.description || "",
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

function control(field, id) {
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
    if (field.required) label.append(element("span", { class: "req" }, " (required)"));
    const input = control(field, id);
    const hint = element("p", { class: "hint", id: id + "-hint" },
      field.hint + (field.nullable && field.type === "date" ? " Leave empty for none." : ""));
    const error = element("p", { class: "error", id: id + "-error" });
    input.setAttribute("aria-describedby", `${id}-hint ${id}-error`);
    box.append(label, input, hint, error);
    form.append(box);
  }
  form.append(element("p", { class: "error form-error", id: prefix + "-form-error",
    role: "alert" }));
}

function read(field, input) {
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
    const value = read(field, form.elements[field.name]);
    if (value !== undefined) values[field.name] = value;
  }
  if (spec.single) return values[spec.fields[0].name] ?? "";
  return values;
}

export function fillForm(form, spec, event) {
  for (const field of spec.fields) {
    const value = spec.single ? event : event?.[field.name];
    const input = form.elements[field.name];
    if (value === undefined) input.value = "";
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
    const text = error.message + (error.expected ? ` (expected: ${error.expected})` : "");
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
