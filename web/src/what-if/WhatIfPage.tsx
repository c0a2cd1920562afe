/**
 * "If BTC drops 8 %, what happens to me under Isolated vs Cross?": the account editor, the price move,
 * and the two modes side by side. The figures come from `perpsim calc`'s evaluation run in the browser
 * on the documents of calc-documents.ts.
 */
import { useMemo, useState } from 'react';
import { AccountEditor } from './AccountEditor.js';
import { calcDocuments, type CalcDocuments } from './calc-documents.js';
import { CalcInputDetails } from './CalcInputDetails.js';
import { ComparisonSummary } from './ComparisonSummary.js';
import { chartSymbolOf, type DraftAccount } from './draft-account.js';
import { equityCurve, type EquityCurve } from './equity-curve.js';
import { modeOutcome, type ModeOutcome } from './margin-outcome.js';
import { ModeResultCard } from './ModeResultCard.js';
import { PriceMoveControl } from './PriceMoveControl.js';
import { SEED_EXAMPLES } from './seed-examples.js';

interface Comparison {
  readonly documents: CalcDocuments;
  readonly isolated: ModeOutcome;
  readonly cross: ModeOutcome;
  readonly curves: { readonly isolated: EquityCurve | undefined; readonly cross: EquityCurve | undefined };
}

function compare(account: DraftAccount): Comparison | { error: string } {
  try {
    const documents = calcDocuments(account);
    const isolated = modeOutcome('isolated', documents.isolated);
    const cross = modeOutcome('cross', documents.cross);
    return {
      documents,
      isolated,
      cross,
      curves: { isolated: equityCurve(isolated, chartSymbolOf(account)), cross: equityCurve(cross, chartSymbolOf(account)) },
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export function WhatIfPage() {
  const [account, setAccount] = useState<DraftAccount>(() => (SEED_EXAMPLES[0] as (typeof SEED_EXAMPLES)[number]).account);
  const result = useMemo(() => compare(account), [account]);

  return (
    <div className="what-if" data-testid="what-if">
      <div className="intro">
        <h1>What happens to this account under Isolated and Cross margin?</h1>
        <p>
          Set the positions and a price move. Both modes are evaluated by perpsim&apos;s margin core, the code behind{' '}
          <code>perpsim calc</code>, with Binance&apos;s brackets, to the cent. Fees and funding are left out; Portfolio margin is not
          modelled.
        </p>
      </div>
      <div className="what-if-inputs">
        <AccountEditor account={account} onChange={setAccount} />
        <div className="what-if-side">
          <PriceMoveControl account={account} onChange={setAccount} />
          {'error' in result ? (
            <div className="alert" data-testid="what-if-error">
              {result.error}
            </div>
          ) : (
            <ComparisonSummary
              isolated={result.isolated}
              cross={result.cross}
              scenarioName={result.documents.scenarioName}
              symbol={chartSymbolOf(account)}
            />
          )}
        </div>
      </div>
      {!('error' in result) && (
        <>
          <div className="modes">
            <ModeResultCard outcome={result.isolated} curve={result.curves.isolated} scenarioName={result.documents.scenarioName} />
            <ModeResultCard outcome={result.cross} curve={result.curves.cross} scenarioName={result.documents.scenarioName} />
          </div>
          <CalcInputDetails documents={result.documents} />
          <p className="footnote">
            A liquidated position is counted as closed with its margin lost: Binance closes it between the liquidation and the bankruptcy
            price and keeps what is left as the clearance fee. In Cross the whole account is liquidated together (the article&apos;s case);
            in Isolated only the position whose own margin ran out.
          </p>
        </>
      )}
    </div>
  );
}
