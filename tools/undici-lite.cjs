'use strict';
// What the bundled CLI gets for `import { Agent, request } from 'undici'` (tools/bundle.mjs maps
// the bare name here): the two parts the registry client uses, without undici's index, which
// also loads fetch, websockets, caches and mock agents (80-100 ms before the first request of
// every registry command). request(url, options) is undici's own wrapper: the request API
// called on options.dispatcher with an origin and a path.
// undici parses HTTP with llhttp, compiled to WebAssembly. Once its parse loop gets hot, V8
// recompiles it with TurboFan on a background thread: 80-110 ms of CPU in every registry command
// (perf: v8::internal::compiler on a second thread; none with --liftoff-only), competing with the
// command and the registry on a small machine, for a CLI that parses a few dozen responses.
// Liftoff's baseline code is enough; set before the first connection compiles llhttp.
require('node:v8').setFlagsFromString('--liftoff-only');
const Agent = require('undici/lib/dispatcher/agent.js');
const apiRequest = require('undici/lib/api/api-request.js');

function request(url, options) {
  const { dispatcher, ...rest } = options;
  const u = new URL(url);
  return apiRequest.call(dispatcher, { ...rest, method: rest.method || (rest.body ? 'PUT' : 'GET'), origin: u.origin, path: `${u.pathname}${u.search}` });
}

module.exports = { Agent, request };
