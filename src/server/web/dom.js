// Small DOM helpers. All text goes in through textContent, never innerHTML,
// so document text and model output cannot inject markup.

/** Creates an element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Formats a score with 4 significant decimals. */
export function fmt(x) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : '–';
}

/** POSTs JSON and returns the parsed body; throws an Error carrying the API's code and message. */
export async function postJson(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = data.error ?? { code: `HTTP ${res.status}`, message: res.statusText };
    throw new Error(`${e.code}: ${e.message}`);
  }
  return data;
}
