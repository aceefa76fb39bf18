import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { PackInfo } from '$lib/api';
import PackManageDialog from './pack-manage-dialog.svelte';
import { TestId } from '$lib/testids';
import { sha } from '../../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  checkPackName: vi.fn(),
}));

function pack(over: Partial<PackInfo> = {}): PackInfo {
  const blobs = [1, 2, 3].map((i) => ({ dependency_id: `d${i}`, sha256: sha(i), kind: 'lora' as const, display_name: `m${i}.safetensors`, size_bytes: 1000, on_local: true }));
  return { name: 'Styles', pack_type: 'lora', dependencies: 3, blobs, unresolved: 0, total_bytes: 3000, local_blobs: 3, path: '/store/state/packs/Styles', active_in: [], ...over };
}

// A block, not an expression: a function returned from beforeEach is run as a cleanup hook.
beforeEach(() => {
  vi.mocked(api.checkPackName).mockReset().mockResolvedValue(null);
});

describe('PackManageDialog', () => {
  it('rename: the core checks the name as it is typed; a valid new name is sent and the dialog closes', async () => {
    vi.mocked(api.checkPackName).mockImplementation(async (n) => {
      if (n.includes('/')) throw { code: 'invalid_argument', message: "invalid pack name 'a/b': a pack name cannot contain '/'", details: {} };
      return null;
    });
    const onrename = vi.fn(async () => true);
    const onclose = vi.fn();
    render(PackManageDialog, { request: { pack: pack(), action: 'rename' }, sharedWith: () => false, onrename, ondelete: vi.fn(), onclose });
    const input = screen.getByTestId(TestId.PackRenameInput);
    const confirm = screen.getByTestId(TestId.PackRenameConfirm);
    expect(confirm).toBeDisabled();
    await fireEvent.input(input, { target: { value: 'a/b' } });
    expect(await screen.findByTestId(TestId.PackNameError)).toHaveTextContent("cannot contain '/'");
    expect(confirm).toBeDisabled();
    await fireEvent.input(input, { target: { value: 'Styles-v2' } });
    await waitFor(() => expect(screen.queryByTestId(TestId.PackNameError)).toBeNull());
    await fireEvent.click(confirm);
    expect(onrename).toHaveBeenCalledWith('Styles', 'Styles-v2');
    await waitFor(() => expect(onclose).toHaveBeenCalled());
  });

  it('delete: says which models become orphans and that UI links stay; focus on Cancel, Enter never deletes, a click does', async () => {
    const ondelete = vi.fn(async () => true);
    render(PackManageDialog, {
      request: { pack: pack({ active_in: ['comfyui'] }), action: 'delete' },
      sharedWith: (s) => s === sha(1),
      onrename: vi.fn(),
      ondelete,
      onclose: vi.fn(),
    });
    expect(screen.getByTestId(TestId.PackDeleteOrphans)).toHaveTextContent('2 models no other pack uses will become orphans');
    expect(screen.getByTestId(TestId.PackDeleteActive)).toHaveTextContent('linked into comfyui');
    await waitFor(() => expect(document.activeElement).toHaveTextContent('Cancel'));
    await fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(ondelete).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId(TestId.PackDeleteConfirm));
    expect(ondelete).toHaveBeenCalledWith('Styles');
  });

  it('a failed delete keeps the dialog open', async () => {
    const onclose = vi.fn();
    render(PackManageDialog, { request: { pack: pack(), action: 'delete' }, sharedWith: () => false, onrename: vi.fn(), ondelete: vi.fn(async () => false), onclose });
    await fireEvent.click(screen.getByTestId(TestId.PackDeleteConfirm));
    await new Promise((r) => setTimeout(r, 10));
    expect(onclose).not.toHaveBeenCalled();
    expect(screen.getByTestId(TestId.PackDeleteDialog)).toBeInTheDocument();
  });
});
