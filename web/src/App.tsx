/** The shell: a header with the two pages, the page of the current URL fragment. */
import { LivePage } from './live/LivePage.js';
import { useHashRoute } from './ui/use-hash-route.js';
import { WhatIfPage } from './what-if/WhatIfPage.js';

export function App() {
  const route = useHashRoute();
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          perpsim
        </a>
        <nav className="tabs">
          <a href="#/" className={route === 'what-if' ? 'tab active' : 'tab'} data-testid="tab-what-if">
            Margin what-if
          </a>
          <a href="#/live" className={route === 'live' ? 'tab active' : 'tab'} data-testid="tab-live">
            Live market
          </a>
        </nav>
        <span className="topbar-note">a local Binance USD-M futures simulator</span>
      </header>
      <main className="page">{route === 'live' ? <LivePage /> : <WhatIfPage />}</main>
    </div>
  );
}
