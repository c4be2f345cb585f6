# Cold start: workerd with the edge package whose first request builds a Receiver and
# receives one delivery (`cold.mjs`), or with an empty worker (`empty.mjs`) for the baseline.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "cold", worker = .coldWorker), (name = "empty", worker = .emptyWorker) ],
  sockets = [
    (name = "cold", address = "127.0.0.1:8790", http = (), service = "cold"),
    (name = "empty", address = "127.0.0.1:8791", http = (), service = "empty"),
  ],
);

const coldWorker :Workerd.Worker = (
  modules = [
    (name = "cold.mjs", esModule = embed "cold.mjs"),
    (name = "waybill-edge", esModule = embed "../dist/waybill-edge/workerd.js"),
    (name = "api.js", esModule = embed "../dist/waybill-edge/api.js"),
    (name = "waybill.js", esModule = embed "../dist/waybill-edge/waybill.js"),
    (name = "waybill_bg.wasm", wasm = embed "../dist/waybill-edge/waybill_bg.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);

const emptyWorker :Workerd.Worker = (
  modules = [ (name = "empty.mjs", esModule = embed "empty.mjs") ],
  compatibilityDate = "2025-01-01",
);
