// The service as a whole: its name and description for the API docs. The engine builds the
// routes from the functions exported by src/features/*/controllers/; nothing to register here.
import { env } from './config/env.ts';

export const app = {
  title: env.serviceName,
  description: 'An API service built with Branchyard.',
  version: '1.0.0',
} as const;
