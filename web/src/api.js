// The node's JSON API (docs/api.md): the console uses nothing else.

// ApiError carries the HTTP status and the node's message.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// explain turns an API failure into a sentence for a person.
export function explain(err) {
  if (!(err instanceof ApiError)) return `The node did not answer (${err.message}). Is nexus up still running?`;
  if (err.status === 401) return 'This node requires its API key: open the console as /?api_key=YOUR_KEY once.';
  if (err.status === 503) return `Not available on this node: ${err.message}.`;
  return err.message;
}

async function call(method, path, body, signal) {
  const init = { method, headers: { Accept: 'application/json' }, signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const msg = (data && data.error) || text.trim() || res.statusText;
    throw new ApiError(res.status, msg);
  }
  return data;
}

export const get = (path, signal) => call('GET', path, undefined, signal);
export const post = (path, body, signal) => call('POST', path, body, signal);

export const qs = (params) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  return u.toString();
};

// Formatting helpers shared by the pages.
export function bytes(n) {
  if (!n && n !== 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function duration(s) {
  if (s === undefined || s === null) return '–';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function money(v, currency) {
  if (typeof v !== 'number') return '–';
  const s = v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return currency ? `${s} ${currency}` : s;
}

export function day(v) {
  return typeof v === 'string' && v.length >= 10 ? v.slice(0, 10) : v;
}
