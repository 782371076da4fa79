/**
 * What dist/ bundles in place of undici's index (scripts/bundle-server.mjs): the parts the Cyclr
 * transport (src/cyclr/transport.ts) uses, from undici's own modules, wired as its index wires
 * them. The index also loads fetch, WebSocket, EventSource, caches, cookies and mocks, which the
 * server never uses and which were most of the first call's wait (bench/results.md).
 * test/unit/undici-subset.test.ts keeps this list and the transport's use of undici in step.
 */
"use strict";

const Dispatcher = require("undici/lib/dispatcher/dispatcher");

// undici's index gives every dispatcher its request method this way.
Object.assign(Dispatcher.prototype, { request: require("undici/lib/api/api-request") });

module.exports = {
  Agent: require("undici/lib/dispatcher/agent"),
  interceptors: { retry: require("undici/lib/interceptor/retry") },
  errors: require("undici/lib/core/errors"),
};
