/** In-app notifications: every save and every operation reports here. */
export type ToastKind = 'success' | 'error' | 'info';

export type Toast = {
  id: number;
  kind: ToastKind;
  title: string;
  detail?: string;
};

export class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  push(kind: ToastKind, title: string, detail?: string, ttlMs = kind === 'error' ? 10000 : 5000): number {
    const id = this.#next++;
    this.items = [...this.items, { id, kind, title, detail }].slice(-6);
    if (ttlMs > 0) this.#timers.set(id, setTimeout(() => this.dismiss(id), ttlMs));
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
    const t = this.#timers.get(id);
    if (t) clearTimeout(t);
    this.#timers.delete(id);
    this.items = this.items.filter((x) => x.id !== id);
  }

  clear() {
    for (const id of [...this.#timers.keys()]) this.dismiss(id);
    this.items = [];
  }
}

export const toasts = new Toasts();
