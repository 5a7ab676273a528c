// The account as the decision core sees it during live and paper runs: the venue's wallet
// balance and position, marked to the last closed candle. Same arithmetic as the simulated
// exchange (balance + (close − entry) × qty), so a paper run over a CSV decides exactly like the
// backtest; the float mirror keeps the per-candle drawdown check free of Decimal work.
import { Decimal } from 'decimal.js';
import type { AccountView } from '../core/types.ts';
import type { Equity, PositionState } from '../venue/venue.ts';

const ZERO = new Decimal(0);

export class AccountBook implements AccountView {
  walletBalance: Decimal = ZERO;
  availableBalance: Decimal = ZERO;
  position: PositionState = { side: 'flat', size: ZERO, avgPrice: ZERO, updatedAt: 0 };
  private close = NaN;
  private balanceF = 0;
  private qtyF = 0;
  private entryF = 0;
  private dirF = 0;
  /** Event counters: a fill newer than the last wallet/position update means the book is stale. */
  private fillSeq = 0;
  private walletSeq = 0;
  private positionSeq = 0;
  private seq = 0;

  setWallet(e: Pick<Equity, 'walletBalance' | 'available'>): void {
    this.walletBalance = e.walletBalance;
    this.availableBalance = e.available;
    this.balanceF = e.walletBalance.toNumber();
    this.walletSeq = ++this.seq;
  }

  setPosition(p: PositionState): void {
    this.position = p;
    const flat = p.side === 'flat' || p.size.isZero();
    this.qtyF = flat ? 0 : p.size.toNumber();
    this.entryF = flat ? 0 : p.avgPrice.toNumber();
    this.dirF = flat ? 0 : p.side === 'long' ? 1 : -1;
    this.positionSeq = ++this.seq;
  }

  sawFill(): void {
    this.fillSeq = ++this.seq;
  }

  /** A fill arrived after the last wallet or position update: refresh over REST before deciding. */
  get stale(): boolean {
    return this.fillSeq > this.walletSeq || this.fillSeq > this.positionSeq;
  }

  markTo(close: number): void {
    this.close = close;
  }

  get lastClose(): number {
    return this.close;
  }

  equityApprox(): number {
    return this.dirF === 0 || this.close !== this.close ? this.balanceF : this.balanceF + (this.close - this.entryF) * this.qtyF * this.dirF;
  }

  equity(): Decimal {
    const p = this.position;
    if (this.dirF === 0 || this.close !== this.close) return this.walletBalance;
    const diff = new Decimal(this.close).sub(p.avgPrice).mul(p.size);
    return this.walletBalance.add(p.side === 'long' ? diff : diff.neg());
  }

  available(): Decimal {
    return this.availableBalance;
  }

  unrealised(): Decimal {
    return this.equity().sub(this.walletBalance);
  }
}
