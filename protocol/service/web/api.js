// The service's API as the page uses it: a session cookie (HttpOnly, set by the
// service), the CSRF token in memory only, JSON written exactly as typed.

// A number as the user typed it: sent as that JSON literal, never rounded by a double.
export class RawNumber {
  constructor(text) { this.text = text; }
}

const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

// The typed text as a JSON number if it is one; otherwise the text (the service names the error).
export function typedNumber(text) {
  return JSON_NUMBER.test(text) ? new RawNumber(text) : text;
}

export function serialise(value) {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return "[" + value.map(serialise).join(",") + "]";
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value).map(([k, v]) => JSON.stringify(k) + ":" + serialise(v));
    return "{" + members.join(",") + "}";
  }
  return JSON.stringify(value);
}

export class Api {
  constructor(onEnded) {
    this.csrf = null;
    this.session = null;
    this.onEnded = onEnded;
  }

  async call(method, path, body, headers = {}) {
    const init = { method, headers: { Accept: "application/json", ...headers },
      credentials: "same-origin", cache: "no-store", redirect: "error" };
    if (this.csrf && method !== "GET") init.headers["X-CSRF-Token"] = this.csrf;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = serialise(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      return { status: 0, ok: false, data: { detail: "the service did not answer: " + error } };
    }
    const type = response.headers.get("content-type") || "";
    const data = response.status === 204 ? null
      : type.includes("json") ? await response.json() : await response.text();
    const answer = { status: response.status, ok: response.ok, data,
      etag: response.headers.get("ETag") };
    if (response.status === 401 && !path.startsWith("/v1/session")) this.onEnded(data);
    return answer;
  }

  patient(id) { return "/v1/patients/" + encodeURIComponent(id); }

  // On load: is a session open? ("signed_in": false is the service's "no", not an error.)
  async resume() {
    const answer = await this.call("GET", "/v1/session?probe=true");
    const open = answer.ok && answer.data?.signed_in !== false;
    if (open) this.begin(answer.data);
    return { ...answer, ok: open };
  }

  async signIn(token) {
    const answer = await this.call("POST", "/v1/session", { token });
    if (answer.ok) this.begin(answer.data);
    return answer;
  }

  begin(session) {
    this.session = session;
    this.csrf = session.csrf_token;
  }

  async signOut() {
    const answer = await this.call("DELETE", "/v1/session");
    this.session = null;
    this.csrf = null;
    return answer;
  }
}
