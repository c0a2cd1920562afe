/** The page shown, from the URL fragment (`#/` the what-if page, `#/live` the live market). */
import { useEffect, useState } from 'react';

export type Route = 'what-if' | 'live';

const routeOf = (hash: string): Route => (hash.replace(/^#\/?/, '').split(/[/?]/)[0] === 'live' ? 'live' : 'what-if');

export function useHashRoute(): Route {
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(routeOf(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
