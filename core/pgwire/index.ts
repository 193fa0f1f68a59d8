// The PostgreSQL wire protocol, spoken by the engine so that branch processes (in containers
// without a network) reach a workspace database through a unix socket in its folder:
// - serveOverWire: an embedded PGlite database served to many clients (PGlite is one session);
//   kept instead of @electric-sql/pglite-socket for the reasons its header names, each shown by
//   pglite-socket.test.ts;
// - relayToPostgres: a PostgreSQL server behind the same kind of socket, the engine logging in
//   (SCRAM) so the password never reaches a branch.
export type { WireServer } from './wire-protocol.ts';
export { relayToPostgres } from './postgres-relay.ts';
export type { RelayOptions } from './postgres-relay.ts';
export { serveOverWire } from './wire-server.ts';
