// ta.highest: the largest value of the last `length` bars (na values skipped).
import { SlidingMax } from './extremum-window.ts';

export class Highest extends SlidingMax {
  constructor(length: number) {
    super(length, 1);
  }
}
