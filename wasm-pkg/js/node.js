// Entry point for Node.js: the module is read from beside this file and instantiated
// synchronously, so importing the package is enough.
import { readFileSync } from 'node:fs';
import { initSync } from './waybill.js';

initSync({ module: readFileSync(new URL('./waybill_bg.wasm', import.meta.url)) });

export * from './api.js';
