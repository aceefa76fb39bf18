import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { ExportResult, PackBackupStatus, PackInfo, WireError } from '$lib/api';
import ExportWizard from './export-wizard.svelte';
import { TestId } from '$lib/testids';
import { toasts } from '$lib/state/toasts.svelte';
import { sha } from '../../../test/fixtures';
import { checkedState } from '../../../test/controls';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  packBackupStatus: vi.fn(),
  exportPackages: vi.fn(),
  pickFolder: vi.fn(),
  pickSaveTar: vi.fn(),
}));

function pack(name: string, shas: number[]): PackInfo {
  return {
    name,
    pack_type: null,
    dependencies: shas.length,
    blobs: shas.map((i) => ({ dependency_id: `d${i}`, sha256: sha(i), kind: 'checkpoint', display_name: `m${i}.safetensors`, size_bytes: i * 1_000_000_000, on_local: true })),
    unresolved: 0,
    total_bytes: shas.reduce((a, i) => a + i * 1_000_000_000, 0),
    local_blobs: shas.length,
    path: `/store/state/packs/${name}`,
    active_in: [],
  };
}

/** Blob i is i GB; `backupOnly` lists blobs that are only on the backup. */
function status(name: string, shas: number[], over: { backupOnly?: number[]; connected?: boolean } = {}): PackBackupStatus {
  const blobs = shas.map((i) => {
    const local = !(over.backupOnly ?? []).includes(i);
    return {
      dependency_id: `d${i}`,
      sha256: sha(i),
      display_name: `m${i}.safetensors`,
      kind: 'checkpoint' as const,
      size_bytes: i * 1_000_000_000,
      location: local ? ('both' as const) : ('backup_only' as const),
      on_local: local,
      on_backup: true,
    };
  });
  return {
    pack: name,
    backup_enabled: true,
    backup_connected: over.connected ?? true,
    backup_source: over.connected === false ? 'cached' : 'live',
    blobs,
    local_only: 0,
    backup_only: blobs.filter((b) => !b.on_local).length,
    both: blobs.filter((b) => b.on_local).length,
    missing: 0,
    bytes_local_only: 0,
    bytes_backup_only: 0,
    bytes_both: 0,
  };
}

function exported(over: Partial<ExportResult> = {}): ExportResult {
  return {
    path: '/tmp/out',
    format: 'directory',
    package_id: 'f0e1',
    packs: ['Alpha'],
    include_blobs: true,
    blobs: 2,
    bytes: 3_000_000_000,
    blobs_from_backup: 0,
    size_bytes: 3_000_004_000,
    warnings: [],
    ...over,
  };
}

const PACKS = [pack('Alpha', [1, 2]), pack('Beta', [2, 3])];
const step = () => screen.getByTestId(TestId.ExportStep).dataset.step;
const row = (name: string) => screen.getAllByTestId(TestId.ExportPack).find((r) => r.dataset.pack === name)!;
const box = (name: string) => within(row(name)).getByRole('checkbox');

beforeEach(() => {
  vi.mocked(api.packBackupStatus).mockReset();
  vi.mocked(api.exportPackages).mockReset();
  vi.mocked(api.pickFolder).mockReset();
  vi.mocked(api.pickSaveTar).mockReset();
  vi.mocked(api.packBackupStatus).mockImplementation(async (name) => (name === 'Alpha' ? status('Alpha', [1, 2]) : status('Beta', [2, 3])));
  toasts.clear();
});

describe('ExportWizard', () => {
  it('preselects the pack being viewed and shows the size that will be written, counting shared models once', async () => {
    render(ExportWizard, { open: true, available: PACKS, preselect: ['Alpha'], onclose: vi.fn() });
    expect(checkedState(box('Alpha'))).toBe('true');
    expect(checkedState(box('Beta'))).toBe('false');
    await waitFor(() => expect(screen.getByTestId(TestId.ExportEstimate)).toHaveTextContent('3.0 GB will be written: 2 model files of 1 pack'));
    await fireEvent.click(box('Beta'));
    // Alpha has 1 + 2 GB, Beta 2 + 3 GB; the 2 GB model is written once.
    await waitFor(() => expect(screen.getByTestId(TestId.ExportEstimate)).toHaveTextContent('6.0 GB will be written: 3 model files of 2 packs'));
    await fireEvent.click(screen.getByTestId(TestId.ExportIncludeBlobs));
    expect(screen.getByTestId(TestId.ExportEstimate)).toHaveTextContent('a few KB');
  });

  it('lists the pack being viewed first, even when its name sorts later', () => {
    render(ExportWizard, { open: true, available: PACKS, preselect: ['Beta'], onclose: vi.fn() });
    expect(screen.getAllByTestId(TestId.ExportPack).map((r) => r.dataset.pack)).toEqual(['Beta', 'Alpha']);
    expect(checkedState(box('Beta'))).toBe('true');
  });

  it('warns when models are only on the backup and the drive is unplugged', async () => {
    vi.mocked(api.packBackupStatus).mockResolvedValue(status('Alpha', [1, 2], { backupOnly: [2], connected: false }));
    render(ExportWizard, { open: true, available: PACKS, preselect: ['Alpha'], onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.ExportBackupWarning)).toHaveTextContent('1 model (2.0 GB) is only on the backup drive, which is not connected'));
    await fireEvent.click(screen.getByTestId(TestId.ExportIncludeBlobs));
    expect(screen.queryByTestId(TestId.ExportBackupWarning)).toBeNull();
  });

  it('exports to a typed path with progress, then reports with a toast', async () => {
    let release: (r: ExportResult) => void = () => {};
    let onProgress: ((u: api.ProgressUpdate) => void) | undefined;
    vi.mocked(api.exportPackages).mockImplementation((_o, opts) => {
      onProgress = opts?.onProgress;
      return new Promise<ExportResult>((r) => (release = r));
    });
    render(ExportWizard, { open: true, available: PACKS, preselect: ['Alpha'], onclose: vi.fn() });
    expect(screen.getByTestId(TestId.ExportStart)).toBeDisabled();
    await fireEvent.input(screen.getByTestId(TestId.ExportPath), { target: { value: '/tmp/out' } });
    await fireEvent.click(screen.getByTestId(TestId.ExportStart));
    expect(step()).toBe('progress');
    expect(api.exportPackages).toHaveBeenCalledWith(
      { packs: ['Alpha'], out: '/tmp/out', include_blobs: true, exported_by: null },
      expect.objectContaining({ signal: expect.any(AbortSignal) }),
    );
    onProgress!({ operation: 'export', items_done: 1, items_total: 4, bytes_done: 1_000_000_000, bytes_total: 3_000_000_000, current: 'm1.safetensors' });
    await waitFor(() => expect(screen.getByTestId(TestId.ExportProgress)).toHaveTextContent('1.0 GB of 3.0 GB'));
    expect(screen.getByTestId(TestId.ExportProgress)).toHaveTextContent('Writing m1.safetensors');
    release(exported());
    await waitFor(() => expect(step()).toBe('complete'));
    expect(screen.getByTestId(TestId.ExportWizard)).toHaveTextContent('Exported 1 pack: Alpha');
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Exported 1 pack' });
    expect(toasts.items.at(-1)?.detail).toContain('/tmp/out');
  });

  it('a .tar destination always ends in .tar, and Browse uses the save dialog', async () => {
    vi.mocked(api.exportPackages).mockResolvedValue(exported({ path: '/tmp/pkg.tar', format: 'tar' }));
    vi.mocked(api.pickSaveTar).mockResolvedValue('/home/me/pkg');
    render(ExportWizard, { open: true, available: PACKS, preselect: ['Beta'], onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId(TestId.ExportFormatTar));
    await fireEvent.click(screen.getByTestId(TestId.ExportBrowse));
    await waitFor(() => expect((screen.getByTestId(TestId.ExportPath) as HTMLInputElement).value).toBe('/home/me/pkg'));
    expect(api.pickSaveTar).toHaveBeenCalled();
    expect(screen.getByTestId(TestId.ExportWizard)).toHaveTextContent('/home/me/pkg.tar');
    await fireEvent.click(screen.getByTestId(TestId.ExportStart));
    expect(api.exportPackages).toHaveBeenCalledWith(expect.objectContaining({ packs: ['Beta'], out: '/home/me/pkg.tar' }), expect.anything());
  });

  it('Enter starts the export; Escape while exporting cancels instead of hiding it', async () => {
    let signal: AbortSignal | undefined;
    vi.mocked(api.exportPackages).mockImplementation((_o, opts) => {
      signal = opts?.signal;
      return new Promise<ExportResult>((_r, reject) =>
        signal!.addEventListener('abort', () => reject({ code: 'cancelled', message: 'cancelled', details: {} } satisfies WireError)),
      );
    });
    const onclose = vi.fn();
    render(ExportWizard, { open: true, available: PACKS, preselect: ['Alpha'], onclose });
    const input = screen.getByTestId(TestId.ExportPath);
    await fireEvent.input(input, { target: { value: '/tmp/out' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(step()).toBe('progress');
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(signal?.aborted).toBe(true);
    await waitFor(() => expect(step()).toBe('complete'));
    expect(onclose).not.toHaveBeenCalled();
    expect(screen.getByTestId(TestId.ExportWizard)).toHaveTextContent('Export cancelled');
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'info', title: 'Export cancelled' });
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
    expect(document.querySelector(`[data-testid="${TestId.DialogBackdrop}"]`)).toBeNull();
  });

  it('shows a failure with its reason and lets the user go back', async () => {
    vi.mocked(api.exportPackages).mockRejectedValue({ code: 'already_exists', message: '/tmp/out already exists', details: {} } satisfies WireError);
    render(ExportWizard, { open: true, available: PACKS, preselect: ['Alpha'], onclose: vi.fn() });
    await fireEvent.input(screen.getByTestId(TestId.ExportPath), { target: { value: '/tmp/out' } });
    await fireEvent.click(screen.getByTestId(TestId.ExportStart));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('/tmp/out already exists'));
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Export failed' });
    await fireEvent.click(screen.getByText('Back'));
    expect(step()).toBe('choose');
    expect((screen.getByTestId(TestId.ExportPath) as HTMLInputElement).value).toBe('/tmp/out');
  });
});
