// A note: the example feature's domain model.
export interface Note {
  id: string;
  title: string;
  body: string;
  createdAt: Date;
}
