/* global sessionStorage, fetch, location, TextDecoder, URLSearchParams */
/**
 * The only door to the server: the HTTP API under /v1 with the bearer token kept in
 * sessionStorage (per tab, gone when the tab closes). A 401 sends the user back to sign-in
 * with a message and remembers where they were, so they return there after signing in.
 */
const TOKEN = 'curator.token';
const NOTICE = 'curator.signin-notice';
const RETURN = 'curator.return-to';

/** An error answered by the API: `{ error: { code, message, field } }` plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field ?? null;
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN),
  set: (t) => sessionStorage.setItem(TOKEN, t),
  clear: () => sessionStorage.removeItem(TOKEN),
  /** The message the sign-in page shows once (why the user is there). */
  takeNotice() {
    const n = sessionStorage.getItem(NOTICE);
    sessionStorage.removeItem(NOTICE);
    return n;
  },
  takeReturn() {
    const r = sessionStorage.getItem(RETURN);
    sessionStorage.removeItem(RETURN);
    return r;
  },
};

/** Ends the session and goes to sign-in, keeping the current route to come back to. */
export function signOut(notice) {
  session.clear();
  if (notice) sessionStorage.setItem(NOTICE, notice);
  if (!location.hash.startsWith('#/signin')) sessionStorage.setItem(RETURN, location.hash || '#/');
  location.hash = '#/signin';
}

async function errorOf(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON: fall back to the status text */
  }
  const e = body?.error ?? {};
  return new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? (res.statusText || `HTTP ${res.status}`), e.field);
}

function headers(body) {
  const h = { accept: 'application/json' };
  const t = session.token();
  if (t) h.authorization = `Bearer ${t}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  return h;
}

/**
 * Calls the API: `api('/models?limit=50')`, `api('/models/3/promote', { method: 'POST', body: {} })`.
 * Throws ApiError; a 401 also signs out (expired or revoked token) unless `keepSession`.
 */
export async function api(path, { method = 'GET', body, signal, keepSession = false } = {}) {
  let res;
  try {
    res = await fetch(`/v1${path}`, { method, headers: headers(body), body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (e) {
    if (e?.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', `The server did not answer (${e?.message ?? e}). Check that it is running, then retry.`);
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && session.token() && !keepSession) signOut(`Your session ended: ${err.message} Sign in again with a valid token.`);
    throw err;
  }
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/** Builds a query string from an object, leaving out empty values. */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * Follows a server-sent event stream with the bearer token (EventSource cannot send headers,
 * so this reads the stream with fetch). Calls onEvent({event, data}) per event; resolves when
 * the stream ends, rejects with ApiError on an error status.
 */
export async function stream(path, onEvent, signal) {
  const res = await fetch(`/v1${path}`, { headers: { ...headers(), accept: 'text/event-stream' }, signal });
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && session.token()) signOut(`Your session ended: ${err.message} Sign in again with a valid token.`);
    throw err;
  }
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true }).replace(/\r\n/g, '\n');
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length === 0) continue;
      let parsed = data.join('\n');
      try {
        parsed = JSON.parse(parsed);
      } catch {
        /* plain text data */
      }
      onEvent({ event, data: parsed });
    }
  }
}
