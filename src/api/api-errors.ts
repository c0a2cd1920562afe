/**
 * Binance's error body `{code, msg}` and the HTTP status each code is answered with (spec api.md §2.6):
 * 401 for API-key errors (-2014, -2015), 429 for the rate limit (-1003), 400 for every other business or
 * parameter error. Anything unexpected becomes 500 with -1000 (never for bad input: params.ts rejects it
 * first, and the fastify error handler maps parser failures to 400).
 */
import type { BinanceError } from '../engine/index.js';

export class ApiError extends Error {
  readonly status: number;
  readonly code: number;
  constructor(code: number, msg: string, status: number = httpStatusFor(code)) {
    super(msg);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }

  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

export function httpStatusFor(code: number): number {
  if (code === -2014 || code === -2015) return 401;
  if (code === -1003 || code === -1015) return 429;
  if (code === -1000 || code === -1001) return 500;
  return 400;
}

export function fromEngine(error: BinanceError): ApiError {
  return new ApiError(error.code, error.msg);
}

/** The messages Binance uses for the generic request errors. */
export const API = {
  unknown: () => new ApiError(-1000, 'An unknown error occurred while processing the request.'),
  tooManyRequests: (limit: number) =>
    new ApiError(
      -1003,
      `Too many requests; current limit of IP(127.0.0.1) request weight per minute is ${limit}. Please use WebSocket Streams for live updates to avoid polling the API.`,
    ),
  tooManyOrders: (limit: number) => new ApiError(-1015, `Too many new orders; current limit is ${limit} orders per MINUTE.`),
  timestampAhead: () => new ApiError(-1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  timestampOutside: () => new ApiError(-1021, 'Timestamp for this request is outside of the recvWindow.'),
  badSignature: () => new ApiError(-1022, 'Signature for this request is not valid.'),
  illegalChars: (name: string, range: string) =>
    new ApiError(-1100, `Illegal characters found in parameter '${name}'; legal range is '${range}'.`),
  duplicate: () => new ApiError(-1101, 'Duplicate values for a parameter detected.'),
  mandatory: (name: string) => new ApiError(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  eitherMandatory: (a: string, b: string) => new ApiError(-1102, `Param '${a}' or '${b}' must be sent, but both were empty/null!`),
  tooManyParams: (read: number, sent: number) =>
    new ApiError(-1104, `Not all sent parameters were read; read '${read}' parameter(s) but was sent '${sent}'.`),
  notRequired: (name: string) => new ApiError(-1106, `Parameter '${name}' sent when not required.`),
  invalidTimeInForce: () => new ApiError(-1115, 'Invalid timeInForce.'),
  invalidOrderType: () => new ApiError(-1116, 'Invalid orderType.'),
  invalidSide: () => new ApiError(-1117, 'Invalid side.'),
  invalidInterval: () => new ApiError(-1120, 'Invalid interval.'),
  invalidSymbol: () => new ApiError(-1121, 'Invalid symbol.'),
  invalidListenKey: () => new ApiError(-1125, 'This listenKey does not exist.'),
  invalidParam: (name: string) => new ApiError(-1130, `Data sent for parameter '${name}' is not valid.`),
  recvWindow: () => new ApiError(-1131, 'recvWindow must be less than 60000'),
  apiKeyFormat: () => new ApiError(-2014, 'API-key format invalid.'),
  badApiKey: () => new ApiError(-2015, 'Invalid API-key, IP, or permissions for action.'),
  unknownOrder: () => new ApiError(-2011, 'Unknown order sent.'),
  orderNotExist: () => new ApiError(-2013, 'Order does not exist.'),
  invalidPositionSide: () => new ApiError(-4060, 'Invalid position side.'),
} as const;
