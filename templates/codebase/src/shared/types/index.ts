// Types shared by several features.

/** A page of results and the cursor of the next page, if any. */
export interface Page<T> {
  items: T[];
  next: string | null;
}
