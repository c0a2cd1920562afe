/** Paste an API key and secret (perpsim serve prints a demo pair at start-up; POST /sim/v1/accounts makes more). */
import { useState, type FormEvent } from 'react';
import type { Credentials } from './binance-rest.js';

export function ApiKeyForm({ onConnect }: { readonly onConnect: (c: Credentials) => void }) {
  const [apiKey, setApiKey] = useState('');
  const [apiSecret, setApiSecret] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (apiKey.trim() !== '' && apiSecret.trim() !== '') onConnect({ apiKey: apiKey.trim(), apiSecret: apiSecret.trim() });
  };
  return (
    <form className="panel key-form" onSubmit={submit} data-testid="key-form">
      <div className="panel-head">
        <h2>Account</h2>
      </div>
      <p className="muted">
        Paste an API key and secret. <code>perpsim serve</code> prints a demo pair when it starts (<code>apiKey=…</code>,{' '}
        <code>apiSecret=…</code>). Requests are signed in this browser with HMAC-SHA256, like any Binance client; the secret stays in this
        tab.
      </p>
      <label className="field stacked">
        <span>API key</span>
        <input value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoComplete="off" spellCheck={false} data-testid="api-key" />
      </label>
      <label className="field stacked">
        <span>API secret</span>
        <input
          type="password"
          value={apiSecret}
          onChange={(e) => setApiSecret(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          data-testid="api-secret"
        />
      </label>
      <button type="submit" className="primary" data-testid="connect">
        Connect
      </button>
    </form>
  );
}
