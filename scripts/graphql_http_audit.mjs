#!/usr/bin/env node
// The GraphQL-over-HTTP conformance audit (graphql-http's auditServer, pinned in scripts/package.json) against a
// running gateway:
//
//   npm ci --prefix scripts && node scripts/graphql_http_audit.mjs http://127.0.0.1:8000/graphql [--json]
//
// Prints every check that is not "ok" and a summary (with --json: one JSON document), and exits 1 unless every
// check passed. GRAPHQL_HTTP_AUDIT_PREFIX names another directory that `npm ci` installed the same lockfile into
// (tests/http/test_graphql_over_http.py installs it under .venv, not in the working tree).
import { createRequire } from 'node:module';
import path from 'node:path';

const args = process.argv.slice(2);
const url = args.find((arg) => !arg.startsWith('--'));
if (!url) {
  console.error('usage: node scripts/graphql_http_audit.mjs <url of the /graphql endpoint> [--json]');
  process.exit(2);
}
const prefix = process.env.GRAPHQL_HTTP_AUDIT_PREFIX;
const require = createRequire(prefix ? path.join(path.resolve(prefix), 'package.json') : import.meta.url);
const { auditServer } = require('graphql-http');
const { version } = require('graphql-http/package.json');

const results = await auditServer({ url });
const found = results.map((result) => ({
  id: result.id,
  name: result.name,
  status: result.status,
  reason: result.status === 'ok' ? null : result.reason,
}));
const counts = { ok: 0, warn: 0, error: 0 };
for (const result of found) counts[result.status] = (counts[result.status] ?? 0) + 1;
const summary = { auditor: `graphql-http@${version}`, url, total: found.length, ...counts };

if (args.includes('--json')) {
  console.log(JSON.stringify({ ...summary, results: found }, null, 2));
} else {
  for (const result of found.filter((r) => r.status !== 'ok')) {
    console.log(`${result.status.toUpperCase()} ${result.id} ${result.name}: ${result.reason}`);
  }
  console.log(`${summary.auditor}: ${counts.ok}/${found.length} ok, ${counts.warn} warnings, ${counts.error} errors`);
}
process.exit(counts.ok === found.length ? 0 : 1);
