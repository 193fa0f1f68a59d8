// Errors a function may throw. The engine turns them into HTTP answers: NotFoundError → 404,
// ValidationError → 400, anything else → 500 without a stack trace.
export class NotFoundError extends Error {
  constructor(what: string, id: string | number) {
    super(`${what} ${id} was not found`);
    this.name = 'NotFoundError';
  }
}

export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}
