import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { AdoptBlob, AdoptPlan, AdoptResult } from '$lib/api';
import AdoptWizard from './adopt-wizard.svelte';
import { TestId } from '$lib/testids';
import { toasts } from '$lib/state/toasts.svelte';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  adoptPlan: vi.fn(),
  adoptApply: vi.fn(),
  pickFolder: vi.fn(),
}));

function blob(n: string, over: Partial<AdoptBlob> = {}): AdoptBlob {
  return {
    sha256: n.repeat(64),
    kind: 'lora',
    size_bytes: 200_000_000,
    filename: `${n}.safetensors`,
    paths: [`/comfy/models/loras/${n}.safetensors`],
    already_in_store: false,
    pack: n,
    pack_exists: false,
    ...over,
  };
}

function plan(over: Partial<AdoptResult> = {}): AdoptResult {
  return {
    dry_run: true,
    link: false,
    folder: '/comfy/models',
    files_found: 3,
    bytes_found: 2_400_000_000,
    blobs_distinct: 2,
    duplicates: 1,
    bytes_duplicates: 2_000_000_000,
    bytes_already_in_store: 0,
    bytes_to_store: 2_200_000_000,
    bytes_saved_by_linking: 2_200_000_000,
    blobs: [
      blob('a', { kind: 'checkpoint', size_bytes: 2_000_000_000, paths: ['/comfy/models/checkpoints/a.safetensors', '/comfy/models/checkpoints/copy/a.safetensors'] }),
      blob('b'),
    ],
    already_linked: 0,
    skipped: [],
    blobs_added: 0,
    bytes_added: 0,
    packs_created: [],
    files_linked: 0,
    bytes_freed: 0,
    errors: [],
    cancelled: false,
    auto_backup: null,
    ...over,
  };
}

const done = (over: Partial<AdoptResult> = {}) =>
  plan({ dry_run: false, link: true, blobs_added: 2, bytes_added: 2_200_000_000, packs_created: ['a', 'b'], files_linked: 3, bytes_freed: 2_200_000_000, ...over });

const wrap = (preview: AdoptResult): AdoptPlan => ({
  plan: { operation: 'adopt', store: '/store', store_id: '1:2', made_at: '2026-12-02T10:00:00Z' },
  options: { execute: false, link: false },
  preview,
  files: preview.blobs.map((b) => b.paths.map((path) => ({ path, size: b.size_bytes, mtime: '1.0', id: '1:1', sha: b.sha256 }))),
});

const step = () => screen.getByTestId(TestId.AdoptStep).dataset.step;

async function previewTyped(path = '/comfy/models') {
  await fireEvent.input(screen.getByTestId(TestId.AdoptPath), { target: { value: path } });
  await fireEvent.click(screen.getByTestId(TestId.AdoptPreview));
  await waitFor(() => expect(step()).toBe('preview'));
}

beforeEach(() => {
  vi.mocked(api.adoptPlan).mockReset();
  vi.mocked(api.adoptApply).mockReset();
  vi.mocked(api.pickFolder).mockReset();
  toasts.clear();
});

describe('AdoptWizard', () => {
  it('previews with progress: files per kind, the duplicate, the bytes saved and the packs to create', async () => {
    let release: (r: AdoptResult) => void = () => {};
    let onProgress: ((u: api.ProgressUpdate) => void) | undefined;
    vi.mocked(api.adoptPlan).mockImplementation((_f, _o, opts) => {
      onProgress = opts?.onProgress;
      return new Promise((r) => (release = (res) => r(wrap(res))));
    });
    render(AdoptWizard, { open: true, onclose: vi.fn() });
    expect(step()).toBe('choose');
    expect(screen.getByTestId(TestId.AdoptPreview)).toBeDisabled();
    await fireEvent.input(screen.getByTestId(TestId.AdoptPath), { target: { value: ' /comfy/models ' } });
    await fireEvent.click(screen.getByTestId(TestId.AdoptPreview));
    expect(step()).toBe('scan');
    expect(api.adoptPlan).toHaveBeenCalledWith('/comfy/models', {}, expect.objectContaining({ signal: expect.any(AbortSignal) }));
    onProgress!({ operation: 'hash', items_done: 1, items_total: 3, bytes_done: 1_200_000_000, bytes_total: 2_400_000_000, current: 'a.safetensors' });
    await waitFor(() => expect(screen.getByTestId(TestId.AdoptProgress)).toHaveTextContent('1.2 GB of 2.4 GB'));
    release(plan());
    await waitFor(() => expect(step()).toBe('preview'));

    const totals = screen.getByTestId(TestId.AdoptTotals);
    expect(totals.dataset.files).toBe('3');
    expect(totals.dataset.duplicates).toBe('1');
    expect(totals).toHaveTextContent('1 (2.0 GB)');
    expect(totals).toHaveTextContent('2.2 GB');
    expect(screen.getByTestId(TestId.AdoptKinds)).toHaveTextContent('Checkpoint: 1');
    expect(screen.getByTestId(TestId.AdoptKinds)).toHaveTextContent('LoRA: 1');
    const rows = screen.getAllByTestId(TestId.AdoptBlob);
    expect(rows.map((r) => r.dataset.pack)).toEqual(['a', 'b']);
    expect(rows[0].dataset.copies).toBe('2');
    expect(rows[0]).toHaveTextContent('2 copies');
    expect(screen.getByText('2 packs to create')).toBeInTheDocument();
    expect(screen.getByTestId(TestId.AdoptWizard)).toHaveTextContent('Replace originals with links');
  });

  it('adopts with links when the option is on, then toasts the summary', async () => {
    vi.mocked(api.adoptPlan).mockResolvedValueOnce(wrap(plan()));
    vi.mocked(api.adoptApply).mockResolvedValueOnce(done());
    render(AdoptWizard, { open: true, onclose: vi.fn() });
    await previewTyped();
    expect(screen.getByTestId(TestId.AdoptCommit)).toHaveTextContent('Adopt');
    await fireEvent.click(screen.getByTestId(TestId.AdoptLink));
    expect(screen.getByTestId(TestId.AdoptCommit)).toHaveTextContent('Adopt and link');
    await fireEvent.click(screen.getByTestId(TestId.AdoptCommit));
    await waitFor(() => expect(step()).toBe('complete'));
    // The previewed plan goes back, with the link choice made on its page.
    expect(api.adoptApply).toHaveBeenLastCalledWith(expect.objectContaining({ options: { execute: false, link: true }, preview: plan() }), expect.anything());
    expect(screen.getByTestId(TestId.AdoptSummary)).toHaveTextContent('Folder adopted');
    expect(screen.getByTestId(TestId.AdoptSummary)).toHaveTextContent('3 originals replaced by links, 2.2 GB freed');
    expect(toasts.items[0]).toMatchObject({ kind: 'success', title: 'Folder adopted' });
  });

  it('Enter runs the preview, then the adopt (without links by default), then closes', async () => {
    vi.mocked(api.adoptPlan).mockResolvedValueOnce(wrap(plan()));
    vi.mocked(api.adoptApply).mockResolvedValueOnce(done({ link: false, files_linked: 0, bytes_freed: 0 }));
    const onclose = vi.fn();
    render(AdoptWizard, { open: true, onclose });
    await fireEvent.input(screen.getByTestId(TestId.AdoptPath), { target: { value: '/comfy/models' } });
    await fireEvent.keyDown(screen.getByTestId(TestId.AdoptPath), { key: 'Enter' });
    await waitFor(() => expect(step()).toBe('preview'));
    await fireEvent.keyDown(screen.getByTestId(TestId.AdoptWizard), { key: 'Enter' });
    await waitFor(() => expect(step()).toBe('complete'));
    expect(api.adoptApply).toHaveBeenLastCalledWith(expect.objectContaining({ options: { execute: false, link: false } }), expect.anything());
    await fireEvent.keyDown(screen.getByTestId(TestId.AdoptWizard), { key: 'Enter' });
    expect(onclose).toHaveBeenCalled();
  });

  it('Escape during the scan cancels it and goes back to choosing, without closing', async () => {
    let signal: AbortSignal | undefined;
    vi.mocked(api.adoptPlan).mockImplementation((_f, _o, opts) => {
      signal = opts?.signal;
      return new Promise((_, reject) => signal!.addEventListener('abort', () => reject({ code: 'cancelled', message: 'cancelled', details: {} })));
    });
    const onclose = vi.fn();
    render(AdoptWizard, { open: true, onclose });
    await fireEvent.input(screen.getByTestId(TestId.AdoptPath), { target: { value: '/comfy/models' } });
    await fireEvent.click(screen.getByTestId(TestId.AdoptPreview));
    expect(step()).toBe('scan');
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(signal!.aborted).toBe(true);
    await waitFor(() => expect(step()).toBe('choose'));
    expect(onclose).not.toHaveBeenCalled();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows the core’s error for a folder it refuses, and a folder with nothing to adopt cannot be adopted', async () => {
    vi.mocked(api.adoptPlan)
      .mockRejectedValueOnce({ code: 'invalid_argument', message: '/store is inside the store: adopt a UI’s model folder, not the store', details: {} })
      .mockResolvedValueOnce(wrap(plan({ files_found: 0, bytes_found: 0, blobs_distinct: 0, duplicates: 0, bytes_duplicates: 0, bytes_to_store: 0, bytes_saved_by_linking: 0, blobs: [], already_linked: 2 })));
    render(AdoptWizard, { open: true, onclose: vi.fn() });
    await fireEvent.input(screen.getByTestId(TestId.AdoptPath), { target: { value: '/store' } });
    await fireEvent.click(screen.getByTestId(TestId.AdoptPreview));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('inside the store'));
    expect(step()).toBe('choose');
    await previewTyped('/comfy/models');
    expect(screen.getByTestId(TestId.AdoptWizard)).toHaveTextContent('2 files already link into the store');
    expect(screen.getByTestId(TestId.AdoptCommit)).toBeDisabled();
  });

  it('the folder picker fills the path', async () => {
    vi.mocked(api.pickFolder).mockResolvedValue('/picked/models');
    render(AdoptWizard, { open: true, onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId(TestId.AdoptBrowse));
    await waitFor(() => expect((screen.getByTestId(TestId.AdoptPath) as HTMLInputElement).value).toBe('/picked/models'));
  });
});
