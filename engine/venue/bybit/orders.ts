// OrderRequest → the order/create body Bybit expects (reference §3.5), checked locally first so a
// malformed order never costs a request, and the state to report once Bybit accepted it.
import { Decimal } from 'decimal.js';
import type { Category } from '../../plan/plan.ts';
import { OrderRejectedError, VenueUnsupportedError } from '../errors.ts';
import type { OrderRequest, OrderState } from '../venue.ts';

const ORDER_LINK_ID = /^[A-Za-z0-9_-]{1,36}$/;

export function orderCreateBody(req: OrderRequest, category: Category, symbol: string): Record<string, unknown> {
  if (!ORDER_LINK_ID.test(req.orderLinkId)) {
    throw new OrderRejectedError(`orderLinkId "${req.orderLinkId}" must be 1-36 characters of A-Z a-z 0-9 _ -`);
  }
  if (req.type === 'limit' && !req.price) throw new OrderRejectedError('a limit order needs a price');
  if (req.reduceOnly && (req.stopLoss || req.takeProfit)) {
    throw new OrderRejectedError('a reduce-only order cannot carry a stop-loss or take-profit');
  }
  const linear = category === 'linear';
  // toFixed, never toString: Decimal prints tiny quantities in exponent form (1e-7).
  const body: Record<string, unknown> = {
    category,
    symbol,
    side: req.side === 'buy' ? 'Buy' : 'Sell',
    orderType: req.type === 'market' ? 'Market' : 'Limit',
    qty: req.qty.toFixed(),
    orderLinkId: req.orderLinkId,
  };
  if (req.type === 'limit' && req.price) {
    body.price = req.price.toFixed();
    body.timeInForce = req.timeInForce ?? 'GTC';
  }
  if (linear) {
    body.positionIdx = 0;
    if (req.reduceOnly) body.reduceOnly = true;
    if (req.reduceOnly && req.closePosition) {
      // The whole position, whatever its size: a step change cannot refuse it (create-order: qty).
      body.qty = '0';
      body.closeOnTrigger = true;
    }
  } else if (req.type === 'market') {
    // Spot market buys are quote-denominated unless told otherwise; botctl sizes in base coin.
    body.marketUnit = 'baseCoin';
  }
  if (req.stopLoss || req.takeProfit) {
    if (!linear && req.type === 'market') throw new VenueUnsupportedError('Bybit spot accepts stop-loss/take-profit only on limit orders');
    if (req.stopLoss) body.stopLoss = req.stopLoss.toFixed();
    if (req.takeProfit) body.takeProfit = req.takeProfit.toFixed();
    if (linear) {
      // Full: the stops cover the whole position and close it at market when triggered.
      body.tpslMode = 'Full';
      if (req.stopLoss) body.slTriggerBy = 'LastPrice';
      if (req.takeProfit) body.tpTriggerBy = 'LastPrice';
    }
  }
  return body;
}

/** What we know right after Bybit's ack: accepted, nothing filled yet (fills arrive as events). */
export function acceptedOrder(req: OrderRequest, orderId: string, now: number): OrderState {
  const state: OrderState = {
    orderLinkId: req.orderLinkId,
    orderId,
    side: req.side,
    type: req.type,
    status: 'New',
    qty: req.qty,
    filledQty: new Decimal(0),
    fee: new Decimal(0),
    reduceOnly: req.reduceOnly ?? false,
    origin: 'user',
    createdAt: now,
    updatedAt: now,
  };
  if (req.type === 'limit' && req.price) state.price = req.price;
  if (req.stopLoss) state.stopLoss = req.stopLoss;
  if (req.takeProfit) state.takeProfit = req.takeProfit;
  return state;
}
