// Logs (DESIGN.md §5): every log is cut into files of a fixed number of tokens, so any file fits
// a reading session or a model's context as it is. Writers per branch and type, fed by PM2, the
// gateways and the terminals, with redaction first; the logs repository beside the workspace
// with batched commits; and the readers behind `branchyard logs`.
export type { AccessLogEntry, AccessLogSink } from './access-log.ts';
export { formatAccessLine } from './access-log.ts';
export type { LogFileName } from './file-names.ts';
export { parseLogName } from './file-names.ts';
export type { LogThresholds, LogType } from './log-types.ts';
export { DEFAULT_THRESHOLDS, isLogType, LOG_TYPES } from './log-types.ts';
export type { LogServiceOptions, LogTarget } from './log-service.ts';
export { LogService } from './log-service.ts';
export { LogsRepository } from './logs-repository.ts';
export type { LogFileInfo, LogMatch } from './reader.ts';
export {
  branchLogsFolder,
  checkFileName,
  checkType,
  listLogFiles,
  readLogFile,
  searchLogs,
  tailLogs,
  typeOfLogFile,
} from './reader.ts';
export { LineSplitter, lineText } from './line-text.ts';
export { Redactor } from './redact.ts';
export { TokenLog } from './token-log.ts';
