// Hash routing: #/page?param=value. The node serves only "/", so every
// page is a fragment and a reload keeps the page and its parameters.
import { useEffect, useState } from 'preact/hooks';

export function parseHash(hash) {
  const h = (hash || '').replace(/^#\/?/, '');
  const [page, query = ''] = h.split('?');
  return { page: page || 'search', params: Object.fromEntries(new URLSearchParams(query)) };
}

export function href(page, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString();
  return `#/${page}${q ? '?' + q : ''}`;
}

export function navigate(page, params) {
  const h = href(page, params);
  if (location.hash !== h) location.hash = h;
}

export function useRoute() {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
