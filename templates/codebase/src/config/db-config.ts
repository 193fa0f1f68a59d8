// Which shared database this branch uses. Databases are shared by every branch; this branch's
// working copy of their schema lives in src/schema/.
import { env } from './env.ts';

export const dbConfig = {
  database: 'db-001',
  url: env.databaseUrl,
} as const;
