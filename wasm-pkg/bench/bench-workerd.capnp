# workerd running the bench worker (bench.mjs bundles build/bench-worker.mjs first).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "bench", worker = .benchWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8789", http = (), service = "bench") ],
);

const benchWorker :Workerd.Worker = (
  modules = [
    (name = "bench-worker.mjs", esModule = embed "build/bench-worker.mjs"),
    (name = "waybill-edge", esModule = embed "../dist/waybill-edge/workerd.js"),
    (name = "api.js", esModule = embed "../dist/waybill-edge/api.js"),
    (name = "waybill.js", esModule = embed "../dist/waybill-edge/waybill.js"),
    (name = "waybill_bg.wasm", wasm = embed "../dist/waybill-edge/waybill_bg.wasm"),
  ],
  compatibilityDate = "2025-01-01",
  compatibilityFlags = ["nodejs_compat"],
);
