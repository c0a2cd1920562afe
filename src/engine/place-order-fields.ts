/**
 * A placeOrder command copied into one fixed object shape, every optional field present (undefined when
 * not given). Commands arrive in many shapes (each caller sets a different subset of the optional fields);
 * reading a field that is absent from objects of many shapes is slow in V8 (megamorphic, not-found
 * lookups), and validation reads each field several times. The copy walks only the keys that are there.
 */
import type { PlaceOrder } from './commands.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function placeOrderFields(cmd: PlaceOrder): PlaceOrder {
  const out: Mutable<Required<PlaceOrder>> = {
    type: 'placeOrder',
    time: 0,
    accountId: '',
    symbol: '',
    side: 'BUY',
    orderType: 'LIMIT',
    quantity: undefined as unknown as string,
    price: undefined as unknown as string,
    timeInForce: undefined as unknown as PlaceOrder['timeInForce'] & string,
    stopPrice: undefined as unknown as string,
    workingType: undefined as unknown as NonNullable<PlaceOrder['workingType']>,
    closePosition: undefined as unknown as boolean,
    callbackRate: undefined as unknown as string,
    activationPrice: undefined as unknown as string,
    positionSide: undefined as unknown as NonNullable<PlaceOrder['positionSide']>,
    reduceOnly: undefined as unknown as boolean,
    newClientOrderId: undefined as unknown as string,
    selfTradePreventionMode: undefined as unknown as NonNullable<PlaceOrder['selfTradePreventionMode']>,
    priceMatch: undefined as unknown as NonNullable<PlaceOrder['priceMatch']>,
    goodTillDate: undefined as unknown as number,
  };
  const target = out as unknown as Record<string, unknown>;
  const source = cmd as unknown as Record<string, unknown>;
  for (const key in source) {
    if (Object.prototype.hasOwnProperty.call(out, key)) target[key] = source[key];
  }
  return out as PlaceOrder;
}
