/**
 * The workflow open on the Workflow page (SPEC §3.15): its path, the UI target
 * chosen for "linked", and the resolver's table. A workflow comes in by a drop
 * on the window, "Open workflow…" or a typed path; changing the UI, or any
 * change of the store (`inventory://changed`), checks it again. "Make
 * runnable in <UI>" plans first and opens the confirmation (`useReq`, the
 * dialog App.svelte mounts); "Save as pack" opens its dialog (`packOpen`).
 */

/** The plan of making the workflow runnable, or why there is none. */
export type WorkflowUseRequest = { file: string; ui: string; plan: WorkflowUsePlan | null; error: WireError | null };
import * as api from '$lib/api';
import type { WireError, WorkflowCheck, WorkflowUsePlan } from '$lib/api';
import { uiTargets, type UiTargetsState } from './ui-targets.svelte';
import { describeError, errorCode } from './errors';
import { toasts } from './toasts.svelte';
import { unuseSummary } from '$lib/components/packs/use';

/** An error of a check, with what to do about it for the cases a workflow brings. */
export function workflowError(e: unknown, path: string): string {
  switch (errorCode(e)) {
    case 'not_found':
      return `${api.toWireError(e).message} — check the path, or choose the file with “Open workflow…”.`;
    case 'invalid_file':
      return `${api.toWireError(e).message} — open a ComfyUI workflow (.json, or a .png saved by ComfyUI) or an image made with A1111 / Forge.`;
    case 'invalid_argument':
      return `${api.toWireError(e).message} — ${path} must be a file, not a folder.`;
    default:
      return describeError(e);
  }
}

export class WorkflowState {
  /** The file being looked at (null: nothing opened yet). */
  path = $state<string | null>(null);
  /** The UI target whose links the table reports (null: none chosen). */
  ui = $state<string | null>(null);
  check = $state.raw<WorkflowCheck | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Files are being dragged over the window. */
  dragging = $state(false);
  /** Whether one of the dragged files is a workflow (`.json` or `.png`). */
  dragOk = $state(false);
  /** The plan of "Make runnable" being confirmed. */
  useReq = $state.raw<WorkflowUseRequest | null>(null);
  /** A plan is being made. */
  planning = $state(false);
  /** The "Save as pack" dialog is open. */
  packOpen = $state(false);

  #targets: UiTargetsState;
  /** Answers of older checks (another file, another UI) are dropped. */
  #seq = 0;
  /** The user chose "No UI target": it is not replaced by the first target. */
  #noUi = false;

  constructor(targets: UiTargetsState = uiTargets) {
    this.#targets = targets;
  }

  /** Opens the workflow in `path`, with the UI targets as they are now; the first is chosen when none is yet. */
  async open(path: string): Promise<void> {
    this.path = path.trim();
    this.check = null;
    await this.#targets.load();
    this.defaultUi();
    await this.refresh();
  }

  /**
   * The UI target the table reports when the user chose none yet: the first
   * one; a target removed since it was chosen is replaced the same way.
   */
  defaultUi(): void {
    const names = this.#targets.targets.map((t) => t.name);
    if (this.ui !== null && !names.includes(this.ui)) this.ui = null;
    if (this.ui === null && !this.#noUi) this.ui = names[0] ?? null;
  }

  /** Reports links in another UI target (or none). */
  async chooseUi(ui: string | null): Promise<void> {
    this.ui = ui;
    this.#noUi = ui === null;
    await this.refresh();
  }

  /** Plans making the open workflow runnable in the chosen UI and opens the confirmation with it (or with why not). */
  async planUse(): Promise<void> {
    const path = this.path;
    const ui = this.ui;
    if (!path || !ui) return;
    this.planning = true;
    try {
      this.useReq = { file: path, ui, plan: await api.workflowUsePlan(path, ui), error: null };
    } catch (e) {
      this.useReq = { file: path, ui, plan: null, error: api.toWireError(e) };
    } finally {
      this.planning = false;
    }
  }

  /**
   * The label `workflow use` recorded the open workflow's links under in the
   * chosen UI (`workflow:<file name>`), when that UI holds links under it.
   */
  linkedLabel = $derived.by(() => {
    if (!this.path || !this.ui) return null;
    const label = `workflow:${this.path.split(/[\\/]/).pop()}`;
    return this.#targets.targets.some((t) => t.name === this.ui && t.active_packs.includes(label)) ? label : null;
  });
  /** The links are being removed. */
  unlinking = $state(false);

  /** Removes exactly the links "Make runnable" made for the open workflow in the chosen UI (never a file it did not make). */
  async unlink(): Promise<void> {
    const label = this.linkedLabel;
    const ui = this.ui;
    if (!label || !ui || this.unlinking) return;
    this.unlinking = true;
    try {
      const r = await api.unusePack(label, ui);
      if (r.changed.length > 0) toasts.info(`The workflow's links in ${ui} are removed`, unuseSummary(r));
      else toasts.success(`The workflow's links in ${ui} are removed`, unuseSummary(r));
    } catch (e) {
      toasts.error(`Could not remove the workflow's links in ${ui}`, describeError(e));
    } finally {
      this.unlinking = false;
    }
    await this.#targets.load();
    await this.refresh();
  }

  /** Checks the open workflow again (the store or its UI links changed). */
  async refresh(): Promise<void> {
    const path = this.path;
    if (!path) return;
    // A UI target removed since it was chosen is no longer asked about.
    if (this.#targets.loaded) this.defaultUi();
    const seq = ++this.#seq;
    this.loading = true;
    try {
      const check = await api.workflowCheck(path, this.ui);
      if (seq !== this.#seq) return;
      this.check = check;
      this.error = null;
    } catch (e) {
      if (seq !== this.#seq) return;
      this.check = null;
      this.error = workflowError(e, path);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }
}

export const workflow = new WorkflowState();
