# workerd running vectors-worker.js: every vector through the package inside workerd.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "vectors", worker = .vectorsWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8788", http = (), service = "vectors") ],
);

const vectorsWorker :Workerd.Worker = (
  modules = [
    (name = "vectors-worker.js", esModule = embed "vectors-worker.js"),
    (name = "vector-runner.mjs", esModule = embed "vector-runner.mjs"),
    (name = "waybill-edge", esModule = embed "../../../wasm-pkg/dist/waybill-edge/workerd.js"),
    (name = "api.js", esModule = embed "../../../wasm-pkg/dist/waybill-edge/api.js"),
    (name = "waybill.js", esModule = embed "../../../wasm-pkg/dist/waybill-edge/waybill.js"),
    (name = "waybill_bg.wasm", wasm = embed "../../../wasm-pkg/dist/waybill-edge/waybill_bg.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
