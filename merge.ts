// `npx tsx merge <shard.json>...` inside the repo: combine the results of `check --shard i/n`.
import { main } from './src/cli/main.ts';

await main('merge', process.argv.slice(2));
