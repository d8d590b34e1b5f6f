// Composes subgraphs into a supergraph with @apollo/composition (what `rover supergraph compose` runs).
// Usage: node compose.mjs name=url=path/to/schema.graphql ... > supergraph.graphql
// Exit 1 with composition's errors on stderr when the subgraphs do not compose.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const services = process.argv.slice(2).map((spec) => {
  const [name, url, path] = spec.split("=");
  if (!name || !url || !path) {
    console.error(`compose.mjs: expected name=url=path, got ${JSON.stringify(spec)}`);
    process.exit(2);
  }
  return { name, url, typeDefs: parse(readFileSync(path, "utf8")) };
});
if (services.length === 0) {
  console.error("compose.mjs: name at least one subgraph as name=url=path");
  process.exit(2);
}
const result = composeServices(services);
if (result.errors) {
  for (const error of result.errors) console.error(error.toString());
  process.exit(1);
}
for (const hint of result.hints ?? []) console.error(`hint: ${hint.toString()}`);
process.stdout.write(result.supergraphSdl);
