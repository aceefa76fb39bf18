/** In-app notifications: every save and every operation reports here. */
export type ToastKind = 'success' | 'error' | 'info';

export type Toast = {
  id: number;
  kind: ToastKind;
  title: string;
  detail?: string;
  /** How long it stays, in ms (0: until dismissed); the toaster counts it, pausing while hovered. */
  ttlMs: number;
};

export class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  push(kind: ToastKind, title: string, detail?: string, ttlMs = kind === 'error' ? 10000 : 5000): number {
    const id = this.#next++;
    this.items = [...this.items, { id, kind, title, detail, ttlMs }].slice(-6);
    return id;
  }

  success(title: string, detail?: string) {
    return this.push('success', title, detail);
  }
  error(title: string, detail?: string) {
    return this.push('error', title, detail);
  }
  info(title: string, detail?: string) {
    return this.push('info', title, detail);
  }

  dismiss(id: number) {
    this.items = this.items.filter((x) => x.id !== id);
  }

  clear() {
    this.items = [];
  }
}

export const toasts = new Toasts();
