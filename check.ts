// `npx tsx check [scenario] [flags]` inside the repo: explore scenarios.
import { main } from './src/cli/main.ts';

await main('check', process.argv.slice(2));
