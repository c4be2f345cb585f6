# Runs the edge worker in local workerd on 127.0.0.1 (see README.md).
#   wasm-pkg/node_modules/.bin/workerd serve wasm-pkg/worker/workerd.capnp   (from the repository root)
# Build the package first (wasm-pkg/build.sh): the modules below embed it from ../dist.
# Settings come from the environment: WAYBILL_VERIFY_KEYS, WAYBILL_FORWARD_URL, …

using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "edge", worker = .edgeWorker),
    # Outgoing requests may reach this machine only: the automation runs beside it.
    (name = "internet", network = (allow = ["local"])),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8787", http = (), service = "edge"),
  ],
);

const edgeWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "src/worker.js"),
    (name = "waybill-edge", esModule = embed "../dist/waybill-edge/workerd.js"),
    (name = "api.js", esModule = embed "../dist/waybill-edge/api.js"),
    (name = "waybill.js", esModule = embed "../dist/waybill-edge/waybill.js"),
    (name = "waybill_bg.wasm", wasm = embed "../dist/waybill-edge/waybill_bg.wasm"),
  ],
  compatibilityDate = "2025-01-01",
  bindings = [
    (name = "VERIFY_KEYS", fromEnvironment = "WAYBILL_VERIFY_KEYS"),
    (name = "FORWARD_URL", fromEnvironment = "WAYBILL_FORWARD_URL"),
    (name = "FORWARD_SECRET", fromEnvironment = "WAYBILL_FORWARD_SECRET"),
    (name = "FORWARD_UNSIGNED", fromEnvironment = "WAYBILL_FORWARD_UNSIGNED"),
    (name = "MAX_BODY_BYTES", fromEnvironment = "WAYBILL_MAX_BODY_BYTES"),
    (name = "TOLERANCE_SECONDS", fromEnvironment = "WAYBILL_TOLERANCE_SECONDS"),
    (name = "CONTRACTS", fromEnvironment = "WAYBILL_CONTRACTS"),
    (name = "DEDUP_TTL_SECONDS", fromEnvironment = "WAYBILL_DEDUP_TTL_SECONDS"),
    (name = "FORWARD_TIMEOUT_MS", fromEnvironment = "WAYBILL_FORWARD_TIMEOUT_MS"),
    (name = "DEDUP", durableObjectNamespace = "Deduplicator"),
  ],
  durableObjectNamespaces = [
    (className = "Deduplicator", uniqueKey = "waybill-edge-deduplicator"),
  ],
  # Remembered ids live as long as the process; a deployment keeps them in Durable Objects.
  durableObjectStorage = (inMemory = void),
);
