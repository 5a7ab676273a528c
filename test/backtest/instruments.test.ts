// Offline instrument rules from a saved Bybit instruments-info response: the same rules the live
// venue reads, so a backtest sizes orders the exchange would accept.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadInstrumentFile } from '../../engine/market/instruments.ts';

t.test('a saved instruments-info response: the market-order ceiling caps the quantity, as live', async (t) => {
  const dir = t.testdir();
  // Linear item as Bybit sends it (bybit-v5.md §3.2): limit orders up to 1190, market orders up to 500.
  const linear = join(dir, 'linear.json');
  writeFileSync(linear, JSON.stringify({ retCode: 0, result: { category: 'linear', list: [{
    symbol: 'BTCUSDT', priceFilter: { minPrice: '0.10', maxPrice: '1999999.80', tickSize: '0.10' },
    leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
    lotSizeFilter: { maxOrderQty: '1190.000', maxMktOrderQty: '500.000', minOrderQty: '0.001', qtyStep: '0.001', postOnlyMaxOrderQty: '1190.000', minNotionalValue: '5' },
  }] } }));
  const l = await loadInstrumentFile(linear, 'BTCUSDT', 'linear');
  // Entries are market orders: a 600 BTC order is refused by Bybit, so the cap is 500, not 1190.
  t.equal(l.maxQty?.toFixed(), '500');
  t.equal(l.tickSize.toFixed(), '0.1');
  t.equal(l.qtyStep.toFixed(), '0.001');
  t.equal(l.minNotional.toFixed(), '5');
  t.equal(l.maxLeverage?.toFixed(), '100');

  // Spot item: maxOrderQty 83 is deprecated; market orders stop at maxMarketOrderQty 41.5.
  const spot = join(dir, 'spot.json');
  writeFileSync(spot, JSON.stringify({ retCode: 0, result: { category: 'spot', list: [{
    symbol: 'BTCUSDT', priceFilter: { tickSize: '0.1' },
    lotSizeFilter: { basePrecision: '0.000001', quotePrecision: '0.0000001', minOrderQty: '0.000011', maxOrderQty: '83', minOrderAmt: '5', maxOrderAmt: '8000000', maxLimitOrderQty: '83', maxMarketOrderQty: '41.5' },
  }] } }));
  const s = await loadInstrumentFile(spot, 'BTCUSDT', 'spot');
  t.equal(s.maxQty?.toFixed(), '41.5');
  t.equal(s.qtyStep.toFixed(), '0.000001');
  t.equal(s.minQty.toFixed(), '0.000011');
  t.equal(s.minNotional.toFixed(), '5');

  // Without a market ceiling the general one applies; the flat form's own maxQty wins.
  const older = join(dir, 'older.json');
  writeFileSync(older, JSON.stringify({ symbol: 'SOLUSDT', priceFilter: { tickSize: '0.010' }, lotSizeFilter: { qtyStep: '0.1', minOrderQty: '0.1', minNotionalValue: '5', maxOrderQty: '79770.0' } }));
  t.equal((await loadInstrumentFile(older, 'SOLUSDT', 'linear')).maxQty?.toFixed(), '79770');
  const flat = join(dir, 'flat.json');
  writeFileSync(flat, JSON.stringify({ symbol: 'SOLUSDT', category: 'linear', tickSize: '0.01', qtyStep: '0.1', minQty: '0.1', minNotional: '5', maxQty: '100' }));
  t.equal((await loadInstrumentFile(flat, 'SOLUSDT', 'linear')).maxQty?.toFixed(), '100');
});
