'use strict';
// What undici's HTTP/1 client gets for `require('./client-h2.js')` in the bundled CLI
// (tools/bundle.mjs maps it here): the same function, with the module behind it loaded on the
// first call. client-h2 loads node:http2 (and with it tls), ~5 ms of every registry command's
// start-up, and is only called when a TLS connection negotiates h2, which Cairn never offers.
let real;
module.exports = function connectH2(client, socket) {
  real ??= require('undici/lib/dispatcher/client-h2.js');
  return real(client, socket);
};
