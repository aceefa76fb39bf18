import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import * as api from '$lib/api';
import WorkflowUseDialog from './workflow-use-dialog.svelte';
import { toasts } from '$lib/state/toasts.svelte';
import { TestId } from '$lib/testids';
import { useItem, workflowUsePlan, workflowUseResult } from '../../../test/fixtures';
import type { WorkflowUsePlan } from '$lib/api';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  workflowUseApply: vi.fn(),
}));

const download = { url: 'https://huggingface.co/x/resolve/main/ae.safetensors', host: 'huggingface.co', source: 'workflow' as const, size_bytes: null, limit_bytes: 68_719_476_736, check: 'none' as const, expected_hash: null };

function request(plan: WorkflowUsePlan) {
  return { file: plan.file, ui: plan.ui, plan, error: null };
}

beforeEach(() => {
  vi.mocked(api.workflowUseApply).mockReset();
  toasts.clear();
});

const rowOf = (name: string) => screen.getAllByTestId(TestId.WorkflowUseItem).find((r) => r.dataset.name === name)!;

describe('WorkflowUseDialog', () => {
  it('names every step with sizes, the hosts to download from and the free space, then runs exactly that plan and sums up', async () => {
    const plan = workflowUsePlan([
      useItem({ name: 'juggernaut.safetensors' }),
      useItem({ name: 'SDXL/detail.safetensors', kind: 'lora', status: 'on_backup', step: 'restore', size_bytes: 150_000_000, restore_from: ['backup'] }),
      useItem({ name: 'ae.safetensors', kind: 'vae', status: 'downloadable', step: 'download', sha256: null, download }),
      useItem({ name: 'mystery.pt', kind: 'unknown', status: 'missing', step: 'not_doable', link: null, reason: 'not in the store, on no backup target' }),
    ]);
    vi.mocked(api.workflowUseApply).mockResolvedValue(workflowUseResult(plan, { failed: [{ name: 'ae.safetensors', reason: 'huggingface.co answered 404' }] }));
    const ondone = vi.fn();
    render(WorkflowUseDialog, { request: request(plan), onclose: vi.fn(), ondone });
    expect(screen.getByTestId(TestId.WorkflowUsePlanLine)).toHaveTextContent('1 to link · 1 to restore first · 1 to download first · 1 cannot be made available');
    expect(rowOf('SDXL/detail.safetensors')).toHaveTextContent('Restore, link');
    expect(rowOf('SDXL/detail.safetensors')).toHaveTextContent('150 MB');
    expect(rowOf('SDXL/detail.safetensors')).toHaveTextContent('from ‘backup’');
    expect(rowOf('ae.safetensors')).toHaveTextContent('from huggingface.co, size unknown (stops at 68.7 GB)');
    expect(rowOf('ae.safetensors')).toHaveTextContent('unverified download');
    expect(rowOf('mystery.pt')).toHaveTextContent('not in the store, on no backup target');
    expect(rowOf('juggernaut.safetensors')).toHaveTextContent('/home/you/ComfyUI/models/checkpoints/juggernaut.safetensors');
    expect(screen.getByTestId(TestId.WorkflowUseHosts)).toHaveTextContent('Downloads contact one host: huggingface.co');
    expect(screen.getByTestId(TestId.WorkflowUseFreeSpace)).toHaveTextContent('Free on this disk: 100 GB · needed 150 MB (150 MB to restore), plus 1 download of unknown size');
    expect(screen.getByTestId(TestId.WorkflowUseStep).dataset.step).toBe('plan');

    await fireEvent.click(screen.getByTestId(TestId.WorkflowUseConfirm));
    await waitFor(() => expect(screen.getByTestId(TestId.WorkflowUseSummary)).toBeInTheDocument());
    // The plan the dialog listed is what was applied.
    expect(api.workflowUseApply).toHaveBeenCalledWith(plan, expect.objectContaining({ signal: expect.any(AbortSignal) }));
    const summary = screen.getByTestId(TestId.WorkflowUseSummary);
    expect(summary.dataset.complete).toBe('false');
    expect(summary).toHaveTextContent('1 model restored (150 MB) from ‘backup’');
    expect(within(summary).getByText('Failed:')).toBeInTheDocument();
    expect(summary).toHaveTextContent('huggingface.co answered 404');
    expect(summary).toHaveTextContent("synapse unuse 'workflow:portrait.json' --ui comfyui");
    expect(ondone).toHaveBeenCalled();
  });

  it('refuses while names the workflow expects are taken in the UI folder', () => {
    const plan = workflowUsePlan([useItem(), useItem({ name: 'x.safetensors', step: 'clash', reason: 'a file Synapse did not make' })]);
    render(WorkflowUseDialog, { request: request(plan), onclose: vi.fn() });
    expect(screen.getByTestId(TestId.WorkflowUseBlocker)).toHaveTextContent("1 name the workflow expects is taken in comfyui's folders");
    expect(rowOf('x.safetensors')).toHaveTextContent('a file Synapse did not make');
    expect(screen.getByTestId(TestId.WorkflowUseConfirm)).toBeDisabled();
  });

  it('refuses when the disk lacks room for what must be fetched', () => {
    const plan = workflowUsePlan([useItem({ step: 'restore', status: 'on_backup', size_bytes: 9_000_000_000, restore_from: ['backup'] })], {
      free_space: 1_000_000_000,
      space_warning: 'the store disk has 1.0 GB free, the restores and downloads need 9.0 GB',
    });
    render(WorkflowUseDialog, { request: request(plan), onclose: vi.fn() });
    expect(screen.getByTestId(TestId.WorkflowUseBlocker)).toHaveTextContent('need 9.0 GB');
    expect(screen.getByTestId(TestId.WorkflowUseConfirm)).toBeDisabled();
  });

  it('with every model already linked, says there is nothing to do', () => {
    render(WorkflowUseDialog, { request: request(workflowUsePlan([useItem({ step: 'already_linked', link_exists: true })])), onclose: vi.fn() });
    expect(screen.getByTestId(TestId.WorkflowUseBlocker)).toHaveTextContent('Nothing to do: every model is already linked in comfyui');
    expect(screen.getByTestId(TestId.WorkflowUseConfirm)).toBeDisabled();
    expect(screen.getByTestId(TestId.WorkflowUseConfirm)).toHaveTextContent('Link');
  });

  it('shows why a plan could not be made, with only a Close button', async () => {
    const onclose = vi.fn();
    render(WorkflowUseDialog, {
      request: { file: '/w/a.json', ui: 'comfyui', plan: null, error: { code: 'invalid_argument', message: 'UI target "comfyui" points at /gone, which is not a folder', details: {} } },
      onclose,
    });
    expect(screen.getByTestId(TestId.WorkflowUseDialog)).toHaveTextContent('Cannot make a.json runnable in comfyui');
    expect(screen.getByTestId(TestId.WorkflowUseDialog)).toHaveTextContent('which is not a folder');
    expect(screen.queryByTestId(TestId.WorkflowUseConfirm)).toBeNull();
    await fireEvent.click(screen.getByTestId(TestId.WorkflowUseDone));
    expect(onclose).toHaveBeenCalled();
  });

  it('Cancel during the fetch cancels the operation and says what stays', async () => {
    const plan = workflowUsePlan([useItem({ step: 'restore', status: 'on_backup', size_bytes: 5_000_000, restore_from: ['backup'] })]);
    let signal: AbortSignal | undefined;
    vi.mocked(api.workflowUseApply).mockImplementation(
      (_p, opts) =>
        new Promise((_resolve, reject) => {
          signal = opts?.signal;
          opts?.signal?.addEventListener('abort', () => reject({ code: 'cancelled', message: 'cancelled', details: {} }));
        }),
    );
    const onclose = vi.fn();
    render(WorkflowUseDialog, { request: request(plan), onclose });
    await fireEvent.click(screen.getByTestId(TestId.WorkflowUseConfirm));
    await waitFor(() => expect(screen.getByTestId(TestId.WorkflowUseProgress)).toBeInTheDocument());
    await fireEvent.click(screen.getByTestId(TestId.WorkflowUseCancel));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(signal?.aborted).toBe(true);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'info', title: 'Cancelled' });
  });
});
