import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { PackWriteResult, WireError } from '$lib/api';
import PackFilesDialog from './pack-files-dialog.svelte';
import { TestId } from '$lib/testids';
import { toasts } from '$lib/state/toasts.svelte';
import { choose, selectValue } from '../../../test/controls';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  checkPackName: vi.fn(),
  createPack: vi.fn(),
  addToPack: vi.fn(),
  pickFiles: vi.fn(),
  listPacks: vi.fn(),
}));

const SHA = 'a'.repeat(64);

function written(over: Partial<PackWriteResult> = {}): PackWriteResult {
  return {
    pack: 'my-loras',
    created: true,
    added: [{ dependency_id: 'style', sha256: SHA, kind: 'lora', filename: 'style.safetensors', size_bytes: 150_000_000, already_present: false }],
    ...over,
  };
}

const nameError = (message: string): WireError => ({ code: 'invalid_argument', message, details: { pack: 'bad/name' } });

async function type(testid: string, value: string) {
  await fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

beforeEach(() => {
  for (const f of [api.checkPackName, api.createPack, api.addToPack, api.pickFiles, api.listPacks]) vi.mocked(f).mockReset();
  vi.mocked(api.checkPackName).mockResolvedValue(null);
  vi.mocked(api.listPacks).mockResolvedValue({ packs: [], pack_errors: [] });
  toasts.clear();
});

describe('PackFilesDialog (New pack…)', () => {
  it('shows the core’s reason for a bad name and keeps Create disabled', async () => {
    vi.mocked(api.checkPackName).mockRejectedValue(nameError("invalid pack name 'bad/name': a pack name cannot contain '/' or '\\'"));
    render(PackFilesDialog, { open: true, mode: 'create', onclose: vi.fn() });
    await type(TestId.PackFilesPaths, '/models/a.safetensors');
    await type(TestId.PackFilesName, 'bad/name');
    await waitFor(() => expect(screen.getByTestId(TestId.PackFilesNameError)).toHaveTextContent("cannot contain '/'"));
    expect(api.checkPackName).toHaveBeenCalledWith('bad/name');
    expect(screen.getByTestId(TestId.PackFilesSubmit)).toBeDisabled();
  });

  it('creates the pack from typed paths (one per line, blanks and repeats dropped), toasts and opens it', async () => {
    vi.mocked(api.createPack).mockResolvedValue(written());
    const onclose = vi.fn();
    const ondone = vi.fn();
    render(PackFilesDialog, { open: true, mode: 'create', onclose, ondone });
    await type(TestId.PackFilesName, 'my-loras');
    await type(TestId.PackFilesPaths, ' /models/a.safetensors \n\n/models/b.safetensors\n/models/a.safetensors\n');
    expect(screen.getByTestId(TestId.PackFilesCount).dataset.count).toBe('2');
    await waitFor(() => expect(screen.getByTestId(TestId.PackFilesSubmit)).toBeEnabled());
    await fireEvent.click(screen.getByTestId(TestId.PackFilesSubmit));
    await waitFor(() => expect(ondone).toHaveBeenCalledWith(written()));
    expect(api.createPack).toHaveBeenCalledWith('my-loras', ['/models/a.safetensors', '/models/b.safetensors'], null, expect.objectContaining({ signal: expect.any(AbortSignal) }));
    expect(api.listPacks).toHaveBeenCalled();
    expect(onclose).toHaveBeenCalled();
    expect(toasts.items[0]).toMatchObject({ kind: 'success', title: 'Pack “my-loras” created' });
    expect(toasts.items[0].detail).toContain('150 MB new in the store');
  });

  it('adds the native picker’s files to the typed ones', async () => {
    vi.mocked(api.pickFiles).mockResolvedValue(['/picked/x.ckpt', '/typed/a.pt']);
    render(PackFilesDialog, { open: true, mode: 'create', onclose: vi.fn() });
    await type(TestId.PackFilesPaths, '/typed/a.pt');
    await fireEvent.click(screen.getByTestId(TestId.PackFilesBrowse));
    await waitFor(() => expect((screen.getByTestId(TestId.PackFilesPaths) as HTMLTextAreaElement).value).toBe('/typed/a.pt\n/picked/x.ckpt'));
    expect(screen.getByTestId(TestId.PackFilesCount).dataset.count).toBe('2');
  });

  it('shows progress with Cancel; Escape cancels the running copy instead of closing', async () => {
    let onProgress: ((u: api.ProgressUpdate) => void) | undefined;
    let signal: AbortSignal | undefined;
    vi.mocked(api.createPack).mockImplementation((_n, _f, _k, opts) => {
      onProgress = opts?.onProgress;
      signal = opts?.signal;
      return new Promise((_, reject) => signal!.addEventListener('abort', () => reject({ code: 'cancelled', message: 'cancelled', details: {} })));
    });
    const onclose = vi.fn();
    render(PackFilesDialog, { open: true, mode: 'create', onclose });
    await type(TestId.PackFilesName, 'my-loras');
    await type(TestId.PackFilesPaths, '/models/a.safetensors');
    await waitFor(() => expect(screen.getByTestId(TestId.PackFilesSubmit)).toBeEnabled());
    // Enter in the name box confirms.
    await fireEvent.keyDown(screen.getByTestId(TestId.PackFilesName), { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId(TestId.PackFilesProgress)).toBeInTheDocument());
    onProgress!({ operation: 'adopt', items_done: 0, items_total: 1, bytes_done: 50_000_000, bytes_total: 100_000_000, current: 'a.safetensors' });
    await waitFor(() => expect(screen.getByTestId(TestId.PackFilesProgress)).toHaveTextContent('50.0 MB of 100 MB'));
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(signal!.aborted).toBe(true);
    await waitFor(() => expect(screen.getByTestId(TestId.PackFilesName)).toBeInTheDocument());
    expect(onclose).not.toHaveBeenCalled();
    expect(toasts.items[0]).toMatchObject({ kind: 'info', title: 'New pack cancelled' });
  });

  it('a name the core refuses at create time is shown under the name', async () => {
    vi.mocked(api.createPack).mockRejectedValue({ code: 'already_exists', message: "pack 'my-loras' already exists", details: { pack: 'my-loras' } });
    render(PackFilesDialog, { open: true, mode: 'create', onclose: vi.fn() });
    await type(TestId.PackFilesName, 'my-loras');
    await type(TestId.PackFilesPaths, '/models/a.safetensors');
    await waitFor(() => expect(screen.getByTestId(TestId.PackFilesSubmit)).toBeEnabled());
    await fireEvent.click(screen.getByTestId(TestId.PackFilesSubmit));
    await waitFor(() => expect(screen.getByTestId(TestId.PackFilesNameError)).toHaveTextContent("pack 'my-loras' already exists"));
    expect(toasts.items[0]).toMatchObject({ kind: 'error', title: 'Could not create the pack' });
  });
});

describe('PackFilesDialog (Add files…)', () => {
  it('has no name field and adds the files to the given pack', async () => {
    vi.mocked(api.addToPack).mockResolvedValue(written({ created: false, pack: 'Demo', added: [{ ...written().added[0], already_present: true }] }));
    const onclose = vi.fn();
    render(PackFilesDialog, { open: true, mode: 'add', pack: 'Demo', onclose });
    expect(screen.queryByTestId(TestId.PackFilesName)).toBeNull();
    expect(screen.getByTestId(TestId.PackFilesDialog).dataset.dialog).toBe('add-files');
    expect(screen.getByTestId(TestId.PackFilesSubmit)).toBeDisabled();
    await type(TestId.PackFilesPaths, '/models/c.safetensors');
    await fireEvent.click(screen.getByTestId(TestId.PackFilesSubmit));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(api.addToPack).toHaveBeenCalledWith('Demo', ['/models/c.safetensors'], null, expect.anything());
    expect(toasts.items[0]).toMatchObject({ kind: 'success', title: 'Added to “Demo”', detail: '1 model · the store already had every file' });
  });

  it('passes the chosen kind to the core (detection when left alone)', async () => {
    vi.mocked(api.addToPack).mockResolvedValue(written({ created: false, pack: 'Demo' }));
    const onclose = vi.fn();
    render(PackFilesDialog, { open: true, mode: 'add', pack: 'Demo', onclose });
    await type(TestId.PackFilesPaths, '/models/style.safetensors');
    const select = screen.getByTestId(TestId.PackFilesKind);
    expect(selectValue(select)).toBe('auto');
    await choose(select, 'lora');
    await fireEvent.click(screen.getByTestId(TestId.PackFilesSubmit));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(api.addToPack).toHaveBeenCalledWith('Demo', ['/models/style.safetensors'], 'lora', expect.anything());
  });
});
