import { clsx, type ClassValue } from 'clsx';
import { twMerge } from 'tailwind-merge';

/** Joins class names and lets later Tailwind utilities win (shadcn's `cn`). */
export function cn(...inputs: ClassValue[]): string {
  return twMerge(clsx(inputs));
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Human size with decimal units (what disk vendors and file managers show); the CLI's `output::size` follows the same rule. */
export function formatBytes(bytes: number | bigint | null | undefined, digits = 1): string {
  if (bytes === null || bytes === undefined) return '—';
  let n = typeof bytes === 'bigint' ? Number(bytes) : bytes;
  if (!Number.isFinite(n) || n < 0) return '—';
  let i = 0;
  while (n >= 1000 && i < UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  const shown = i === 0 ? String(Math.round(n)) : n.toFixed(n >= 100 ? 0 : digits);
  return `${shown} ${UNITS[i]}`;
}

/** Numbers from the wire may be bigint (ts-rs u64) or number: make them numbers. */
export function num(v: number | bigint | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'bigint' ? Number(v) : v;
}

/** A count with thousands separators ("20,005"), as every number in the app is shown. */
export function count(n: number | bigint): string {
  return num(n).toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export function shortHash(sha256: string, len = 12): string {
  return sha256.slice(0, len);
}

// One formatter each (toLocaleString() makes a new one per call: slow in table rows' tooltips).
const dateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
const dateOnly = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric' });

/** "3 minutes ago" style, falling back to the date. */
export function formatWhen(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return 'never';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const s = Math.round((now.getTime() - t.getTime()) / 1000);
  if (s < 0) return dateTime.format(t);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 86400 * 30) return `${Math.floor(s / 86400)} days ago`;
  return dateOnly.format(t);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function percent(part: number, whole: number): number {
  if (!whole || whole <= 0) return 0;
  return Math.max(0, Math.min(100, (part / whole) * 100));
}

/** Dialogs list at most this many items (the rest as "… and N more"): a 50,000-item plan must not freeze the window. */
export const LIST_CAP = 500;
