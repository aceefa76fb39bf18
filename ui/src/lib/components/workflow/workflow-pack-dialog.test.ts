import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import WorkflowPackDialog from './workflow-pack-dialog.svelte';
import { packs } from '$lib/state/packs.svelte';
import { toasts } from '$lib/state/toasts.svelte';
import { TestId } from '$lib/testids';
import { requiredModel, workflowCheck } from '../../../test/fixtures';
import type { WorkflowCheck } from '$lib/api';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  workflowPack: vi.fn(),
  checkPackName: vi.fn(),
  listPacks: vi.fn(),
}));

beforeEach(() => {
  vi.mocked(api.workflowPack).mockReset();
  vi.mocked(api.checkPackName).mockReset().mockResolvedValue(null);
  vi.mocked(api.listPacks).mockResolvedValue({ packs: [], pack_errors: [] });
  packs.loaded = true;
  toasts.clear();
});

function setup(check: WorkflowCheck) {
  const onclose = vi.fn();
  const ondone = vi.fn();
  render(WorkflowPackDialog, { open: true, check, onclose, ondone });
  return { onclose, ondone };
}

const result = (name: string) => ({ pack: name, file: '/home/you/workflows/portrait.json', workflow_file: 'workflows/portrait.json', pinned: [], not_pinned: [] });

describe('WorkflowPackDialog', () => {
  it('suggests a name from the file and saves a pack pinning the resolved models', async () => {
    const check = workflowCheck([requiredModel(), requiredModel({ status: 'on_backup' })], { ui: 'comfyui' });
    vi.mocked(api.workflowPack).mockResolvedValue(result('portrait'));
    const { ondone } = setup(check);
    const input = screen.getByTestId(TestId.WorkflowPackName) as HTMLInputElement;
    expect(input.value).toBe('portrait');
    expect(screen.getByTestId(TestId.WorkflowPackDialog)).toHaveTextContent('2 models will be pinned');
    expect(screen.queryByTestId(TestId.WorkflowPackUnpinned)).toBeNull();
    await waitFor(() => expect(screen.getByTestId(TestId.WorkflowPackConfirm)).toBeEnabled());
    await fireEvent.click(screen.getByTestId(TestId.WorkflowPackConfirm));
    await waitFor(() => expect(ondone).toHaveBeenCalled());
    expect(api.workflowPack).toHaveBeenCalledWith(check.file, 'portrait', 'comfyui', false);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Pack portrait saved' });
  });

  it('lists the models that resolve to no single blob and saves without them only when ticked', async () => {
    const check = workflowCheck([
      requiredModel(),
      requiredModel({ name: 'lost.safetensors', status: 'missing' }),
      requiredModel({ name: 'fetch.safetensors', status: 'downloadable', url: 'https://example.org/fetch.safetensors' }),
    ]);
    vi.mocked(api.workflowPack).mockResolvedValue(result('portrait'));
    setup(check);
    const unpinned = screen.getByTestId(TestId.WorkflowPackUnpinned);
    expect(unpinned).toHaveTextContent('2 models resolve to no single model of the store');
    expect(unpinned).toHaveTextContent('lost.safetensors: missing');
    expect(unpinned).toHaveTextContent('fetch.safetensors: only a URL is known');
    expect(screen.getByTestId(TestId.WorkflowPackDialog)).toHaveTextContent('1 model will be pinned');
    await waitFor(() => expect(api.checkPackName).toHaveBeenCalled());
    expect(screen.getByTestId(TestId.WorkflowPackConfirm)).toBeDisabled();
    await fireEvent.click(screen.getByTestId(TestId.WorkflowPackAllowMissing));
    await waitFor(() => expect(screen.getByTestId(TestId.WorkflowPackConfirm)).toBeEnabled());
    await fireEvent.click(screen.getByTestId(TestId.WorkflowPackConfirm));
    await waitFor(() => expect(api.workflowPack).toHaveBeenCalledWith(check.file, 'portrait', null, true));
  });

  it('says why a name is refused, as it is typed and when the core refuses it', async () => {
    vi.mocked(api.checkPackName).mockImplementation(async (n: string) => {
      if (n.includes('/')) throw { code: 'invalid_argument', message: 'a pack name may not contain /', details: {} };
      return null;
    });
    vi.mocked(api.workflowPack).mockRejectedValue({ code: 'already_exists', message: 'pack "portrait" already exists', details: {} });
    setup(workflowCheck([requiredModel()]));
    const input = screen.getByTestId(TestId.WorkflowPackName);
    await fireEvent.input(input, { target: { value: 'a/b' } });
    await waitFor(() => expect(screen.getByTestId(TestId.WorkflowPackNameError)).toHaveTextContent('may not contain /'));
    expect(screen.getByTestId(TestId.WorkflowPackConfirm)).toBeDisabled();
    await fireEvent.input(input, { target: { value: 'portrait' } });
    await waitFor(() => expect(screen.queryByTestId(TestId.WorkflowPackNameError)).toBeNull());
    await fireEvent.click(screen.getByTestId(TestId.WorkflowPackConfirm));
    await waitFor(() => expect(screen.getByTestId(TestId.WorkflowPackNameError)).toHaveTextContent('already exists'));
  });
});
