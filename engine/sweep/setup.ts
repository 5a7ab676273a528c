// What a worker needs to evaluate combinations, as plain data the main thread can post (the
// candles travel as a SharedArrayBuffer, not a copy), and the Evaluator built from it. The main
// thread builds the same Evaluator to re-run the best combinations for the report.
import { bundledInstrument, loadInstrumentFile } from '../market/instruments.ts';
import type { Category } from '../plan/plan.ts';
import { candlesFrom, type SharedCandles } from './candles.ts';
import type { EvaluatorSetup } from './evaluate.ts';
import type { ParamDef } from './params.ts';
import { Space, type SpaceOptions } from './space.ts';
import { SpecVariants } from './variant.ts';
import type { Fold } from './windows.ts';

export interface WorkerInit {
  specFile: string;
  specText: string;
  specHash: string;
  params: ParamDef[];
  space: SpaceOptions;
  candles: SharedCandles;
  instrumentFile?: string;
  folds: Fold[] | null;
}

export async function evaluatorSetup(init: WorkerInit): Promise<EvaluatorSetup> {
  const variants = new SpecVariants(init.specFile, init.specText, init.specHash);
  const market = (variants.data as { market: { symbol: string; category: Category } }).market;
  const rules = init.instrumentFile
    ? await loadInstrumentFile(init.instrumentFile, market.symbol, market.category)
    : bundledInstrument(market.symbol, market.category);
  return {
    variants,
    params: init.params,
    space: new Space(init.params, init.space),
    candles: candlesFrom(init.candles),
    rules,
    folds: init.folds,
  };
}
