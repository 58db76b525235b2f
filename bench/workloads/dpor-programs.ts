// The DPOR benchmark programs at the sizes bench/sections/dpor-workers.ts measures, as a file a
// worker thread can load (the scenarios' own file exports smaller sizes).
import { filesystem, lastzero } from '../../scenarios/benchmarks/programs.ts';

export default [lastzero(10), filesystem(18), lastzero(12), lastzero(14)];
