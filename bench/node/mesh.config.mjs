// GraphQL Mesh composition for bench/node_gateway.py: one OpenAPI source per reference service, read from the
// service's own /openapi.json (BENCH_SERVICE_URLS is a JSON object: service name -> base URL). Every service's
// types and root fields get the service name as prefix, since all five declare an `Error` schema of their own.
import { createPrefixTransform, defineConfig } from "@graphql-mesh/compose-cli";
import { loadOpenAPISubgraph } from "@omnigraph/openapi";

const urls = JSON.parse(process.env.BENCH_SERVICE_URLS ?? "{}");
if (Object.keys(urls).length === 0) throw new Error("mesh.config.mjs: set BENCH_SERVICE_URLS");

export const composeConfig = defineConfig({
  subgraphs: Object.entries(urls).map(([name, url]) => ({
    sourceHandler: loadOpenAPISubgraph(name, { source: `${url}/openapi.json`, endpoint: url }),
    transforms: [createPrefixTransform({ value: `${name}_`, includeRootOperations: true })],
  })),
});
