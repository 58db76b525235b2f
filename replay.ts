// `npx tsx replay <scenario> <token|seed>` inside the repo: re-run one schedule.
import { main } from './src/cli/main.ts';

await main('replay', process.argv.slice(2));
