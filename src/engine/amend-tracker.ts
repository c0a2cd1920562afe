/**
 * What each amend of an order changed, read from the order updates (ORDER_TRADE_UPDATE): an AMENDMENT
 * update carries the new price and quantity only, so the tracker keeps every open order's last price,
 * total quantity and amend count, and answers the before and after of an amend. Orders leave it when they
 * close. For the order history (GET /fapi/v1/orderAmendment); no state of the engine.
 */

/** One amend: the order, when, its price and total quantity before and after, and its count. */
export interface Amendment {
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly time: number;
  readonly priceBefore: string;
  readonly priceAfter: string;
  readonly qtyBefore: string;
  readonly qtyAfter: string;
  /** the how-manieth amend of the order this is (1 for the first) */
  readonly count: number;
}

/** An open order's last price, total quantity and amend count. */
export interface AmendBase {
  readonly p: string;
  readonly q: string;
  readonly n: number;
}

/** The fields of an order update the tracker reads. */
export interface AmendedOrderFields {
  readonly i: number;
  readonly s: string;
  readonly c: string;
  readonly x: string;
  readonly X: string;
  readonly p: string;
  readonly q: string;
  readonly T: number;
}

const CLOSED = new Set(['FILLED', 'CANCELED', 'EXPIRED', 'EXPIRED_IN_MATCH']);

export class AmendTracker {
  private readonly open = new Map<number, AmendBase>();

  /**
   * Follows one order update; answers the amend it records, if it is one. `missing` gives the base of an
   * order the tracker never saw open (a history reopened after a restart reads the last state it stored).
   */
  follow(o: AmendedOrderFields, missing: () => AmendBase): Amendment | undefined {
    let out: Amendment | undefined;
    if (o.x === 'AMENDMENT') {
      const before = this.open.get(o.i) ?? missing();
      out = {
        symbol: o.s,
        orderId: o.i,
        clientOrderId: o.c,
        time: o.T,
        priceBefore: before.p,
        priceAfter: o.p,
        qtyBefore: before.q,
        qtyAfter: o.q,
        count: before.n + 1,
      };
      this.open.set(o.i, { p: o.p, q: o.q, n: out.count });
    } else if (o.x === 'NEW' && !this.open.has(o.i)) this.open.set(o.i, { p: o.p, q: o.q, n: 0 });
    if (CLOSED.has(o.X)) this.open.delete(o.i);
    return out;
  }
}
