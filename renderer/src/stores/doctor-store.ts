// The status pane's state: the doctor's report of what this machine can do.
import { create } from 'zustand';
import { api, errorMessage } from '../api.ts';

type Report = Awaited<ReturnType<typeof api.doctor.run.query>>;

interface DoctorState {
  report: Report | null;
  error: string | null;
  running: boolean;
  run(): Promise<void>;
}

export const useDoctor = create<DoctorState>((set) => ({
  report: null,
  error: null,
  running: false,
  async run() {
    set({ running: true });
    try {
      set({ report: await api.doctor.run.query(), error: null, running: false });
    } catch (error) {
      set({ error: errorMessage(error), running: false });
    }
  },
}));
