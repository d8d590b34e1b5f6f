// Hive Gateway configuration for tests/federation: the client's Authorization header goes to every subgraph
// (the control-plane gateway authenticates each request itself; the router holds no credentials of its own).
import { defineConfig } from "@graphql-hive/gateway";

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const authorization = request.headers.get("authorization");
      return authorization ? { authorization } : {};
    },
  },
});
