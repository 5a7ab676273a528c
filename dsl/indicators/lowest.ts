// ta.lowest: the smallest value of the last `length` bars (na values skipped).
import { SlidingMax } from './extremum-window.ts';

export class Lowest extends SlidingMax {
  constructor(length: number) {
    super(length, -1);
  }
}
