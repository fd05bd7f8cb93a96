// `npm start`: tools, packages and build only when missing or stale, then the app itself.
import { ensureBuilt, ensureInstalled, ensureTools, ensureWebBuilt, serverTools } from './prepare.mjs';

ensureTools(process.env.REDIS_URL ? serverTools.filter((t) => t.command !== 'redis-server') : serverTools);
ensureInstalled();
ensureBuilt();
ensureWebBuilt();
await import('../dist/main.js');
