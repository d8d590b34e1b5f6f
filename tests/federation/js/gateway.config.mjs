// Hive Gateway configuration for tests/federation: the client's Authorization header goes to every subgraph
// (the control-plane gateway authenticates each request itself; the router holds no user credentials), and the
// router's shared secret (GATEWAY_SUBGRAPH_ROUTER_SECRET) to the control-plane subgraph only.
import { defineConfig } from "@graphql-hive/gateway";

const controlPlane = process.env.CONTROL_PLANE_SUBGRAPH ?? "gateway";
const routerSecret = process.env.GATEWAY_SUBGRAPH_ROUTER_SECRET;

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request, subgraphName }) {
      const headers = {};
      const authorization = request.headers.get("authorization");
      if (authorization) headers.authorization = authorization;
      if (routerSecret && subgraphName === controlPlane) headers["x-gateway-router-secret"] = routerSecret;
      return headers;
    },
  },
});
