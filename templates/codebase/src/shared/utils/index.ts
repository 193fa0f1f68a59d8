// Small helpers shared by features.
import { randomUUID } from 'node:crypto';

export function newId(): string {
  return randomUUID();
}

export function now(): Date {
  return new Date();
}
