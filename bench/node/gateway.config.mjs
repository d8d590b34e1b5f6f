// Hive Gateway configuration for bench/node_gateway.py. The Mesh-composed supergraph has one root field per REST
// endpoint; the workloads page also needs each row's node, mounts and latest metrics, so those are added here as
// fields of the workload type, resolved through Mesh's in-context SDK with one backend call per field per request
// (the keys every row asked for in the same tick, comma-separated, as the services' `ids`/filter parameters take
// them), like the Python gateway's dataloaders. A plugin counts the backend calls of each request and reports them
// as `extensions.backendCalls` ("METHOD /path" -> count), the shape the Python gateway reports.
import { defineConfig } from "@graphql-hive/gateway";

const pending = new WeakMap(); // request context -> batch name -> {keys, promise}
const calls = new WeakMap(); // request context -> "METHOD /path" -> count

function batchedLoad(context, name, load, key) {
  let batches = pending.get(context);
  if (!batches) pending.set(context, (batches = new Map()));
  let batch = batches.get(name);
  if (!batch) {
    const keys = new Set();
    // setImmediate: after every row of the list has asked (graphql-js resolves a list's items in one pass).
    const promise = new Promise((resolve) => setImmediate(resolve)).then(() => {
      batches.delete(name);
      return load([...keys]);
    });
    batch = { keys, promise };
    batches.set(name, batch);
  }
  batch.keys.add(key);
  return batch.promise.then((result) => result?.items ?? []);
}

function sdkCall(context, info, source, field, args, items) {
  return context[source].Query[field]({
    root: {},
    args,
    context,
    info,
    selectionSet: `{ ... on ${field}_200_response { items { ${items} } } }`,
  });
}

export const gatewayConfig = defineConfig({
  additionalTypeDefs: /* GraphQL */ `
    extend type workloads_Workloads {
      "The GPU node the workload runs on (platform service, batched by id)."
      node: platform_Nodes
      "The workload's bucket mounts, each with its bucket summary (storage service, batched by workload id)."
      mounts: [storage_Mounts]
      "The workload's newest metrics sample, as a list (workloads service, latest=true, batched by workload id)."
      metrics: [workloads_WorkloadMetrics]
    }
  `,
  additionalResolvers: {
    workloads_Workloads: {
      node(row, _args, context, info) {
        if (!row.node_id) return null;
        const load = (ids) =>
          sdkCall(context, info, "platform", "platform_v1_nodes", { ids: ids.join(",") }, "id hostname gpu_model status");
        return batchedLoad(context, "nodes", load, row.node_id).then(
          (nodes) => nodes.find((node) => node.id === row.node_id) ?? null,
        );
      },
      mounts(row, _args, context, info) {
        const load = (ids) =>
          sdkCall(
            context, info, "storage", "storage_v1_mounts",
            { workload_id: ids.join(","), limit: 1000 },
            "id workload_id mount_path read_only bucket",
          );
        return batchedLoad(context, "mounts", load, row.id).then((mounts) =>
          mounts.filter((mount) => mount.workload_id === row.id),
        );
      },
      metrics(row, _args, context, info) {
        const load = (ids) =>
          sdkCall(
            context, info, "workloads", "workloads_v1_workload_metrics",
            { workload_id: ids.join(","), latest: true, limit: 1000 },
            "id workload_id gpu_utilization gpu_memory_used_gib power_watts sampled_at",
          );
        return batchedLoad(context, "metrics", load, row.id).then((samples) =>
          samples.filter((sample) => sample.workload_id === row.id),
        );
      },
    },
  },
  plugins: () => [
    {
      onFetch({ context, url, options }) {
        if (!context) return;
        let counts = calls.get(context);
        if (!counts) calls.set(context, (counts = {}));
        const name = `${options?.method ?? "GET"} ${new URL(url).pathname}`;
        counts[name] = (counts[name] ?? 0) + 1;
      },
      onExecute({ args }) {
        return {
          onExecuteDone({ result, setResult }) {
            const counts = calls.get(args.contextValue);
            if (!counts || !result || Symbol.asyncIterator in result) return;
            setResult({ ...result, extensions: { ...(result.extensions ?? {}), backendCalls: counts } });
          },
        };
      },
    },
  ],
});
