/** The two `perpsim calc` documents the page evaluated, to copy and run from a terminal. */
import { useState } from 'react';
import type { CalcDocuments } from './calc-documents.js';

export function CalcInputDetails({ documents }: { readonly documents: CalcDocuments }) {
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const copy = (name: string, text: string) => {
    void navigator.clipboard?.writeText(text).then(() => setCopied(name));
  };
  return (
    <details className="panel calc-input">
      <summary>
        The <code>perpsim calc</code> input behind these figures
      </summary>
      <p className="muted">
        Save either document as <code>account.json</code> and run <code>npx perpsim calc account.json</code>: the command prints the same
        liquidation prices, margins and ratios (its <code>scenarios[0]</code> is the move).
      </p>
      <div className="calc-docs">
        {(['isolated', 'cross'] as const).map((mode) => {
          const text = JSON.stringify(documents[mode], null, 2);
          return (
            <div key={mode}>
              <div className="calc-doc-head">
                <strong>{mode === 'isolated' ? 'Isolated' : 'Cross'}</strong>
                <button type="button" className="link-button" onClick={() => copy(mode, text)}>
                  {copied === mode ? 'copied' : 'copy'}
                </button>
              </div>
              <pre data-testid={`calc-input-${mode}`}>{text}</pre>
            </div>
          );
        })}
      </div>
    </details>
  );
}
