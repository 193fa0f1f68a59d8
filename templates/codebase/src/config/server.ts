// How long a call may take before the gateway answers 504, and how large a request may be.
export const serverConfig = {
  requestTimeoutMs: 30_000,
  maxBodyBytes: 1_000_000,
} as const;
