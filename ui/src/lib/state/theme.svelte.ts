/** Light/dark theme: follows the OS unless the user picked one (kept in localStorage). */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'synapse.theme';

export class Theme {
  choice = $state<ThemeChoice>('system');
  #systemDark = $state(false);
  dark = $derived(this.choice === 'dark' || (this.choice === 'system' && this.#systemDark));

  /** Reads the saved choice and the OS preference, applies them, and keeps following the OS. */
  start(): () => void {
    const saved = globalThis.localStorage?.getItem(KEY);
    if (saved === 'light' || saved === 'dark' || saved === 'system') this.choice = saved;
    const mq = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
    this.#systemDark = mq?.matches ?? false;
    const onchange = (e: MediaQueryListEvent) => (this.#systemDark = e.matches);
    mq?.addEventListener('change', onchange);
    return () => mq?.removeEventListener('change', onchange);
  }

  set(choice: ThemeChoice) {
    this.choice = choice;
    globalThis.localStorage?.setItem(KEY, choice);
  }

  cycle() {
    this.set(this.choice === 'system' ? (this.dark ? 'light' : 'dark') : this.choice === 'dark' ? 'light' : 'dark');
  }
}

export const theme = new Theme();
