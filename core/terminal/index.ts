// Terminals into branches: a shell in the codebase's container or on this machine in a copy of
// the branch's files, kept per session with its scrollback, and written to the `ttyd` logs.
export type { TerminalInfo, TerminalPlace, TerminalServiceOptions } from './terminal-service.ts';
export { TerminalService } from './terminal-service.ts';
