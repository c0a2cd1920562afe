/**
 * A placeOrder command copied into one fixed object shape, every optional field present (undefined when
 * not given). Commands arrive in many shapes (each caller sets a different subset of the optional fields);
 * reading a field that is absent from objects of many shapes is slow in V8 (megamorphic, not-found
 * lookups), and validation reads each field several times. The copy walks only the keys that are there.
 */
import type { PlaceOrder } from './commands.js';

export function placeOrderFields(cmd: PlaceOrder): PlaceOrder {
  // every key of PlaceOrder, in one order (the type makes a missing key an error)
  const out: Record<keyof PlaceOrder, unknown> = {
    type: 'placeOrder',
    time: 0,
    accountId: '',
    symbol: '',
    side: 'BUY',
    orderType: 'LIMIT',
    quantity: undefined,
    price: undefined,
    timeInForce: undefined,
    stopPrice: undefined,
    workingType: undefined,
    closePosition: undefined,
    callbackRate: undefined,
    activationPrice: undefined,
    positionSide: undefined,
    reduceOnly: undefined,
    newClientOrderId: undefined,
    selfTradePreventionMode: undefined,
    priceMatch: undefined,
    goodTillDate: undefined,
  };
  const source = cmd as unknown as Record<string, unknown>;
  for (const key in source) if (Object.prototype.hasOwnProperty.call(out, key)) (out as Record<string, unknown>)[key] = source[key];
  return out as unknown as PlaceOrder;
}
