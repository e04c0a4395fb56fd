// The console's only way to the server: JSON reads, with the bearer token the server may ask for.
//
// The console never changes state. It sends GETs, and one POST: POST /v1/features, a batch *read*
// of a feature service (SPEC §4). postRead refuses any other path, so no view can push events or
// call an admin endpoint by mistake, and no write-scoped token is ever needed.
//
// Tokens: the page and its files need none; every data endpoint needs the read scope once tokens
// are configured. On a 401 (or a 403: a token without the read scope) the console asks for a token
// in a dialog, keeps it in sessionStorage (gone when the tab closes; never in localStorage or a
// cookie, so it is not sent anywhere by itself) and retries. Concurrent requests share one dialog.

const TOKEN_KEY = 'tessera.token';
const READ_POSTS = new Set(['/v1/features']);

export class ApiError extends Error {
  constructor(status, code, message, hint) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint;
  }

  /** The endpoint does not exist on this server (an older version, or a node without the part). */
  get notAvailable() {
    return this.status === 404 && ['not_found', 'no_history', 'not_monitored', 'no_models'].includes(this.code);
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** GET {path} as {data}, or {unavailable: true} when this server does not have it (404), or {error}. */
export async function fetchOptional(path) {
  try {
    return {data: await getJson(path)};
  } catch (e) {
    return e.notAvailable ? {unavailable: true} : {error: e};
  }
}

/**
 * A view's {show, hide}: `refresh` runs when the view is shown and again every `everyMs` while it stays
 * shown; a refresh that returns false stops the polling (there will be nothing new).
 */
export function polling(refresh, everyMs) {
  let timer = null;
  let shown = false;
  const tick = async () => {
    const again = await refresh();
    clearTimeout(timer);
    if (shown && again !== false) timer = setTimeout(tick, everyMs);
  };
  return {
    show() {
      shown = true;
      tick();
    },
    hide() {
      shown = false;
      clearTimeout(timer);
    },
  };
}

export function getJson(path) {
  return request(path, {method: 'GET'});
}

/** A read sent as a POST body (only POST /v1/features: see the top of this file). */
export function postRead(path, body) {
  if (!READ_POSTS.has(path)) throw new Error(`the console only reads; it does not POST to ${path}`);
  return request(path, {method: 'POST', body: JSON.stringify(body), contentType: 'application/json'});
}

async function request(path, {method, body, contentType}) {
  for (;;) {
    const headers = {Accept: 'application/json'};
    if (contentType) headers['Content-Type'] = contentType;
    const t = token();
    if (t) headers.Authorization = 'Bearer ' + t;
    let res;
    try {
      res = await fetch(path, {method, body, headers, cache: 'no-store', credentials: 'omit'});
    } catch (e) {
      throw new ApiError(0, 'unreachable', `the server did not answer (${e.message})`, 'is the node still running?');
    }
    const json = await res.json().catch(() => null);
    if (res.status === 401 || res.status === 403) {
      const err = json && json.error;
      forgetToken();
      if (!t) await askForToken('This server needs a bearer token with the read scope.', false);
      else await askForToken((res.status === 403 ? 'This token lacks the read scope' : 'The token was not accepted')
          + (err && err.message ? `: ${err.message}.` : '.'), true);
      continue;
    }
    if (!res.ok) {
      const err = (json && json.error) || {};
      throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || `${method} ${path}: HTTP ${res.status}`, err.hint);
    }
    return json;
  }
}

// ---------------------------------------------------------------- the token dialog

let pending = null;

/**
 * Shows the token dialog (once for every caller waiting; `refused`: a token was tried and failed);
 * resolves when a token is entered, rejects on cancel.
 */
function askForToken(reason, refused) {
  if (pending) return pending;
  const dialog = document.getElementById('token-dialog');
  const form = dialog.querySelector('form');
  const input = dialog.querySelector('input');
  const why = dialog.querySelector('.reason');
  why.textContent = reason;
  why.classList.toggle('refused', refused);
  input.value = '';
  pending = new Promise((resolve, reject) => {
    const done = (ok) => {
      form.removeEventListener('submit', onSubmit);
      dialog.removeEventListener('cancel', onCancel);
      dialog.querySelector('.cancel').removeEventListener('click', onCancel);
      dialog.close();
      pending = null;
      ok ? resolve() : reject(new ApiError(401, 'unauthorized', 'no token was given', 'reload the page to enter one'));
    };
    const onSubmit = (e) => {
      e.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      window.dispatchEvent(new Event('tessera:token'));
      done(true);
    };
    const onCancel = (e) => {
      e.preventDefault();
      done(false);
    };
    form.addEventListener('submit', onSubmit);
    dialog.addEventListener('cancel', onCancel);
    dialog.querySelector('.cancel').addEventListener('click', onCancel);
  });
  dialog.showModal();
  input.focus();
  return pending;
}
