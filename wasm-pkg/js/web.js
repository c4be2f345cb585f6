// Entry point for Deno and other standard runtimes: the module is fetched from beside this
// file (Deno needs --allow-read for a local package) and instantiated before export.
import { initSync } from './waybill.js';

const response = await fetch(new URL('./waybill_bg.wasm', import.meta.url));
initSync({ module: await WebAssembly.compile(await response.arrayBuffer()) });

export * from './api.js';
