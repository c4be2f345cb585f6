// Entry point for workerd and Cloudflare Workers: the runtime compiles the imported .wasm
// into a WebAssembly.Module, which is instantiated synchronously (no fetch, no eval).
import module from './waybill_bg.wasm';
import { initSync } from './waybill.js';

initSync({ module });

export * from './api.js';
