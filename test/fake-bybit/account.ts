// Account settings Bybit lets a trader choose that decide whether a one-way bot can trade at all
// (bybit-exchange/docs: docs/v5/account/account-info.mdx, docs/v5/position/position-mode.mdx,
// docs/v5/position/leverage.mdx, docs/v5/error.mdx):
// - position mode per symbol: one-way (positionIdx 0) or hedge (two positions, positionIdx 1 Buy
//   side and 2 Sell side; position/list lists both rows; every order and trading-stop must name
//   the side's positionIdx, 0 is refused with 10001 "position idx not match position mode");
//   switch-mode (mode 0 one-way, 3 both sides) answers 110025 when nothing changes and refuses
//   while the symbol has a position (110024) or open orders (110028);
// - margin mode of the account: REGULAR_MARGIN (cross), ISOLATED_MARGIN or PORTFOLIO_MARGIN, in
//   which set-leverage is refused (110038);
// - account type (unifiedMarginStatus: 1 classic, 3..6 unified).
// The fake keeps one position either way: in hedge mode it is listed on its side's row.
import { RetCodeError, type FakeExchange } from './exchange.ts';

export type PositionMode = 'one-way' | 'hedge';
export type MarginMode = 'REGULAR_MARGIN' | 'ISOLATED_MARGIN' | 'PORTFOLIO_MARGIN';

export class FakeAccount {
  positionMode: PositionMode = 'one-way';
  marginMode: MarginMode = 'REGULAR_MARGIN';
  unifiedMarginStatus = 6;

  /** order/create and trading-stop: the positionIdx must match the position mode. */
  checkPositionIdx(body: Record<string, unknown>): void {
    const idx = body.positionIdx === undefined ? 0 : Number(body.positionIdx);
    const ok = this.positionMode === 'one-way' ? idx === 0 : idx === 1 || idx === 2;
    if (!ok) throw new RetCodeError(10001, 'position idx not match position mode');
  }

  checkSetLeverage(): void {
    if (this.marginMode === 'PORTFOLIO_MARGIN') throw new RetCodeError(110038, 'You are not allowed to change leverage due to portfolio margin mode.');
  }

  switchMode(ex: FakeExchange, body: Record<string, unknown>): void {
    const mode = Number(body.mode);
    if (mode !== 0 && mode !== 3) throw new RetCodeError(10001, 'params error: mode must be 0 or 3');
    const want: PositionMode = mode === 0 ? 'one-way' : 'hedge';
    if (want === this.positionMode) throw new RetCodeError(110025, 'Position mode is not modified');
    if (!ex.position.size.isZero()) throw new RetCodeError(110024, 'You have an existing position, so the position mode cannot be switched.');
    if (ex.openOrders().length > 0) throw new RetCodeError(110028, 'You have existing open orders, so the position mode cannot be switched.');
    this.positionMode = want;
  }

  /** position/list rows: one in one-way mode, the Buy-side and Sell-side rows in hedge mode. */
  positionRows(ex: FakeExchange): Array<Record<string, unknown>> {
    const row = ex.positionView();
    if (this.positionMode === 'one-way') return [row];
    const flat = { ...row, side: '', size: '0', avgPrice: '0', positionValue: '0', takeProfit: '0', stopLoss: '0', trailingStop: '0', unrealisedPnl: '0' };
    const buy = row.side === 'Buy' ? { ...row, positionIdx: 1 } : { ...flat, positionIdx: 1 };
    const sell = row.side === 'Sell' ? { ...row, positionIdx: 2 } : { ...flat, positionIdx: 2 };
    return [buy, sell];
  }

  infoView(): Record<string, unknown> {
    return {
      unifiedMarginStatus: this.unifiedMarginStatus, marginMode: this.marginMode, isMasterTrader: false,
      spotHedgingStatus: 'OFF', updatedTime: String(Date.now()), dcpStatus: 'OFF', timeWindow: 0, smpGroup: 0,
    };
  }
}
