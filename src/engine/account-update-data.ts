/**
 * An ACCOUNT_UPDATE's payload (`a`), formatted when first read.
 *
 * The event takes the account's balances and each changed leg's figures as they are when it is made
 * (Decimals never change; the account and its legs do, by later commands) and makes the text when a
 * consumer reads `B` or `P` or serializes the event (`toJSON` gives the Binance object): the wallet and
 * realized PnL, the entry price (a division) and the unrealized PnL on the mark. A
 * replay or a backtest that does not read its account events does not pay for them. `B` and `P` are
 * made once and are the same arrays on every read.
 */
import { CALC_SCALE, Decimal } from '../core/index.js';
import { unrealized } from './account-margin.js';
import type { AccountUpdate, AccountUpdateReason } from './events.js';
import type { CommandPositionSide } from './commands.js';

type Payload = AccountUpdate['a'];

/** A leg's figures when the event was made. */
export interface LegFigures {
  readonly symbol: string;
  readonly positionSide: CommandPositionSide;
  readonly amt: Decimal;
  readonly cost: Decimal;
  readonly isolatedWallet: Decimal;
  readonly isolated: boolean;
  /** the symbol's mark price (undefined: none yet, unrealized PnL shows 0) */
  readonly mark: Decimal | undefined;
}

export class AccountUpdateData implements Payload {
  private balances: Payload['B'] | undefined = undefined;
  private positions: Payload['P'] | undefined = undefined;

  constructor(
    readonly m: AccountUpdateReason,
    private readonly wallet: Decimal,
    private readonly crossWallet: Decimal,
    private readonly balanceChange: Decimal,
    private readonly realizedPnl: Decimal,
    private readonly legs: readonly LegFigures[],
  ) {}

  get B(): Payload['B'] {
    this.balances ??= [{ a: 'USDT', wb: this.wallet.toString(), cw: this.crossWallet.toString(), bc: this.balanceChange.toString() }];
    return this.balances;
  }

  get P(): Payload['P'] {
    if (this.positions === undefined) {
      const out: Payload['P'] = [];
      for (const l of this.legs) {
        // the entry price at 18 places, shown at 8
        const entry = (l.amt.isZero() ? Decimal.ZERO : l.cost.divRoundTwice(l.amt, CALC_SCALE, 8)).toString();
        out.push({
          s: l.symbol,
          pa: l.amt.toString(),
          ep: entry,
          bep: entry,
          cr: this.realizedPnl.toString(),
          up: l.mark === undefined ? '0' : unrealized(l, l.mark).round(8).toString(),
          mt: l.isolated ? 'isolated' : 'cross',
          iw: l.isolatedWallet.toString(),
          ps: l.positionSide,
          ma: 'USDT',
        });
      }
      this.positions = out;
    }
    return this.positions;
  }

  /** The Binance object (JSON.stringify calls it). */
  toJSON(): Payload {
    return { m: this.m, B: this.B, P: this.P };
  }
  /** console.log and util.inspect show the Binance object too. */
  [Symbol.for('nodejs.util.inspect.custom')](): Payload {
    return this.toJSON();
  }
}
