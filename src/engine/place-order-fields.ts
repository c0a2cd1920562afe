/**
 * A placeOrder command copied into one fixed object shape, every optional field present (undefined when
 * not given). Commands arrive in many shapes (each caller sets a different subset of the optional fields);
 * reading a field that is absent from objects of many shapes is slow in V8 (megamorphic, not-found
 * lookups), and validation reads each field several times. The copy starts from a literal of every key
 * (one shape) and takes the command's own fields with `Object.assign` (native; about half the time of a
 * key-by-key copy). Commands carry only these keys (the API and the journal build them so); a stray key
 * would be copied too, changing the shape but not what is read.
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
    priceProtect: undefined,
  };
  return Object.assign(out, cmd) as unknown as PlaceOrder;
}
