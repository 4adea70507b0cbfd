// `cairn serve`: the deploy gate as an HTTPS server (Gatekeeper external data, Kyverno), over
// the library's verifyImageRef (src/gate). Not part of the library API ('cairn' does not export it).
export { type ServeConfig, type RegistrySettings, loadServeConfig, checkServeConfig } from './config.js';
export { type ServeOptions, type RunningGate, startGate } from './server.js';
export { type LogRecord } from './gate-service.js';
export { LogSink } from './log-sink.js';
export { API_VERSION, parseProviderRequest, providerResponse, type ProviderItem } from './protocol.js';
export { VerdictCache, SingleFlight } from './cache.js';
export { Limiter } from './limiter.js';
