import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import WorkflowView from './workflow-view.svelte';
import { AppState } from '$lib/state/app.svelte';
import type { Ops } from '$lib/state/ops.svelte';
import { WorkflowState } from '$lib/state/workflow.svelte';
import { UiTargetsState } from '$lib/state/ui-targets.svelte';
import { toasts } from '$lib/state/toasts.svelte';
import { TestId } from '$lib/testids';
import { item, requiredModel, uiTarget, workflowCheck } from '../../../test/fixtures';

function setup(opts: { exists?: boolean; inInventory?: boolean } = {}) {
  const app = new AppState();
  const model = requiredModel({ name: 'juggernaut.safetensors' });
  const it = item({ sha256: model.blob!.sha256, display_name: 'juggernaut.safetensors' });
  if (opts.inInventory !== false) app.inventory.items = [it];
  const targets = new UiTargetsState();
  targets.targets = [uiTarget({ name: 'comfy', path: '/mnt/usb/ComfyUI', exists: opts.exists ?? true })];
  targets.loaded = true;
  const workflow = new WorkflowState(targets);
  workflow.path = '/w/portrait.json';
  workflow.ui = 'comfy';
  workflow.check = workflowCheck([model], { file: '/w/portrait.json', ui: 'comfy' });
  const planUse = vi.spyOn(workflow, 'planUse').mockResolvedValue();
  const ops = { showDetail: vi.fn() } as unknown as Ops;
  render(WorkflowView, { app, ops, workflow, targets });
  return { ops, it, planUse, workflow };
}

beforeEach(() => toasts.clear());

describe('WorkflowView', () => {
  it('plans making the workflow runnable in the chosen UI, and opens the save-as-pack dialog', async () => {
    const { planUse, workflow } = setup();
    expect(screen.getByTestId(TestId.WorkflowFile)).toHaveTextContent('portrait.json · ComfyUI workflow');
    await fireEvent.click(screen.getByTestId(TestId.WorkflowMakeRunnable));
    expect(planUse).toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId(TestId.WorkflowSavePack));
    expect(workflow.packOpen).toBe(true);
  });

  it('does not offer Make runnable while the UI folder is missing, and says why', () => {
    setup({ exists: false });
    expect(screen.getByTestId(TestId.WorkflowMakeRunnable)).toBeDisabled();
    expect(screen.getByTestId(TestId.WorkflowUiMissing)).toHaveTextContent('The folder of comfy is not there (/mnt/usb/ComfyUI)');
  });

  it('a matched model opens its detail', async () => {
    const { ops, it } = setup();
    await fireEvent.click(within(screen.getByTestId(TestId.WorkflowBlob)).getByRole('button'));
    expect(ops.showDetail).toHaveBeenCalledWith(it);
  });

  it('a matched model gone from the inventory is reported, not opened', async () => {
    const { ops } = setup({ inInventory: false });
    await fireEvent.click(within(screen.getByTestId(TestId.WorkflowBlob)).getByRole('button'));
    expect(ops.showDetail).not.toHaveBeenCalled();
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'This model is not in the inventory any more' });
  });
});
