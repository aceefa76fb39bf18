import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { CommitResult, PackageItem, ValidationReport, WireError } from '$lib/api';
import ImportWizard from './import-wizard.svelte';
import { TestId } from '$lib/testids';
import { toasts } from '$lib/state/toasts.svelte';
import { choose, selectValue } from '../../../test/controls';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  validatePackage: vi.fn(),
  importPackage: vi.fn(),
  pickFolder: vi.fn(),
  pickPackageFile: vi.fn(),
}));

function item(pack: string, classification: PackageItem['classification'], over: Partial<PackageItem> = {}): PackageItem {
  return { pack, classification, blobs_new: 0, bytes_new: 0, blobs_total: 2, package_updated_at: null, store_updated_at: null, ...over };
}

function report(over: Partial<ValidationReport> = {}): ValidationReport {
  return {
    path: '/tmp/pkg',
    format: 'directory',
    valid: true,
    package_id: 'p1',
    export_mode: 'PacksWithBlobs',
    issues: [],
    items: [
      item('Fresh', 'new', { blobs_new: 2, bytes_new: 4_000_000_000 }),
      item('Same', 'duplicate_same_version'),
      item('Updated', 'duplicate_older_in_store'),
      item('Stale', 'duplicate_newer_in_store'),
      item('Clash', 'conflict_other'),
    ],
    totals: { packs: 5, files_count: 3, files_bytes: 5_000_000_000, blobs_new: 2, bytes_new: 4_000_000_000, errors: 0, warnings: 0 },
    ...over,
  };
}

function committed(over: Partial<CommitResult> = {}): CommitResult {
  return {
    dry_run: false,
    imported: ['Fresh'],
    skipped: [{ pack: 'Same', classification: 'duplicate_same_version', reason: 'a pack of that name is in the store (strategy skip_if_exists)' }],
    overwritten: ['Updated'],
    duplicated: [{ pack: 'Clash', imported_as: 'Clash (2)' }],
    blobs_to_copy: 2,
    bytes_to_copy: 4_000_000_000,
    blobs_copied: 2,
    bytes_copied: 4_000_000_000,
    cancelled: false,
    warnings: [],
    ...over,
  };
}

const step = () => screen.getByTestId(TestId.ImportStep).dataset.step;
const row = (pack: string) => screen.getAllByTestId(TestId.ImportItem).find((r) => r.dataset.pack === pack)!;

async function validateTyped(path = '/tmp/pkg') {
  await fireEvent.input(screen.getByTestId(TestId.ImportPath), { target: { value: path } });
  await fireEvent.click(screen.getByTestId(TestId.ImportValidate));
  await waitFor(() => expect(step()).toBe('review'));
}

beforeEach(() => {
  vi.mocked(api.validatePackage).mockReset();
  vi.mocked(api.importPackage).mockReset();
  vi.mocked(api.pickFolder).mockReset();
  vi.mocked(api.pickPackageFile).mockReset();
  toasts.clear();
});

describe('ImportWizard', () => {
  it('validates with progress, then reports each pack’s classification in words', async () => {
    let release: (r: ValidationReport) => void = () => {};
    let onProgress: ((u: api.ProgressUpdate) => void) | undefined;
    vi.mocked(api.validatePackage).mockImplementation((_p, opts) => {
      onProgress = opts?.onProgress;
      return new Promise((r) => (release = r));
    });
    render(ImportWizard, { open: true, onclose: vi.fn() });
    expect(step()).toBe('choose');
    expect(screen.getByTestId(TestId.ImportValidate)).toBeDisabled();
    await fireEvent.input(screen.getByTestId(TestId.ImportPath), { target: { value: '  /tmp/pkg ' } });
    await fireEvent.click(screen.getByTestId(TestId.ImportValidate));
    expect(step()).toBe('validate');
    expect(api.validatePackage).toHaveBeenCalledWith('/tmp/pkg', expect.objectContaining({ signal: expect.any(AbortSignal) }));
    onProgress!({ operation: 'validate', items_done: 1, items_total: 3, bytes_done: 2_500_000_000, bytes_total: 5_000_000_000, current: 'files/abc' });
    await waitFor(() => expect(screen.getByTestId(TestId.ImportProgress)).toHaveTextContent('2.5 GB of 5.0 GB'));
    release(report());
    await waitFor(() => expect(step()).toBe('review'));

    expect(screen.getByTestId(TestId.ImportValidity).dataset.valid).toBe('true');
    expect(screen.getByTestId(TestId.ImportValidity)).toHaveTextContent('The package is valid.');
    expect(screen.getByTestId(TestId.ImportTotals)).toHaveTextContent('4.0 GB');
    expect(row('Fresh')).toHaveTextContent('New');
    expect(row('Fresh')).toHaveTextContent('Will be imported');
    expect(row('Fresh')).toHaveTextContent('2 new models (4.0 GB) of 2');
    expect(row('Same')).toHaveTextContent('Already here');
    expect(row('Same')).toHaveTextContent('The store has this exact version.');
    expect(row('Updated')).toHaveTextContent('Newer version');
    expect(row('Stale')).toHaveTextContent('Older version');
    expect(row('Clash')).toHaveTextContent('Conflict');
    expect(row('Clash').dataset.classification).toBe('conflict_other');
    // Only packs whose name is taken get a strategy.
    expect(within(row('Fresh')).queryByTestId(TestId.ImportOverride)).toBeNull();
    expect(screen.getAllByTestId(TestId.ImportOverride)).toHaveLength(4);
  });

  it('sends the default strategy and only the per-pack overrides that differ from it', async () => {
    vi.mocked(api.validatePackage).mockResolvedValue(report());
    vi.mocked(api.importPackage).mockResolvedValue(committed());
    render(ImportWizard, { open: true, onclose: vi.fn() });
    await validateTyped();

    const clash = within(row('Clash')).getByTestId(TestId.ImportOverride);
    await choose(clash, 'create_duplicate');
    // A new default moves every pack that followed the old default, not the overridden one.
    await choose(screen.getByTestId(TestId.ImportStrategy), 'update_if_newer');
    expect(selectValue(within(row('Same')).getByTestId(TestId.ImportOverride))).toBe('update_if_newer');
    expect(selectValue(clash)).toBe('create_duplicate');
    await choose(within(row('Stale')).getByTestId(TestId.ImportOverride), 'always_overwrite');

    await fireEvent.click(screen.getByTestId(TestId.ImportCommit));
    expect(api.importPackage).toHaveBeenCalledWith(
      '/tmp/pkg',
      // The classifications the user reviewed go with the commit.
      expect.objectContaining({ Clash: 'conflict_other', Stale: expect.any(String) }),
      { strategy: 'update_if_newer', overrides: { Clash: 'create_duplicate', Stale: 'always_overwrite' }, dry_run: false },
      expect.objectContaining({ signal: expect.any(AbortSignal) }),
    );
    await waitFor(() => expect(step()).toBe('complete'));
    const wizard = screen.getByTestId(TestId.ImportWizard);
    expect(wizard).toHaveTextContent('Package imported: 3 packs');
    expect(wizard).toHaveTextContent('Clash → Clash (2)');
    expect(wizard).toHaveTextContent('Skipped Same');
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Package imported: 3 packs' });
    expect(toasts.items.at(-1)?.detail).toContain('Imported: Fresh');
    expect(toasts.items.at(-1)?.detail).toContain('Skipped: Same');
    expect(toasts.items.at(-1)?.detail).toContain('2 models copied (4.0 GB)');
  });

  it('an invalid package shows its issues and cannot be imported (button and Enter)', async () => {
    vi.mocked(api.validatePackage).mockResolvedValue(
      report({
        valid: false,
        issues: [
          { severity: 'error', code: 'hash_mismatch', path: 'files/abc', message: 'the SHA-256 of the file is 123…, not abc…' },
          { severity: 'warning', code: 'unreferenced_file', path: 'files/def', message: 'no pack uses this file' },
        ],
        items: [item('Clash', 'conflict_other')],
        totals: { packs: 1, files_count: 2, files_bytes: 10, blobs_new: 0, bytes_new: 0, errors: 1, warnings: 1 },
      }),
    );
    render(ImportWizard, { open: true, onclose: vi.fn() });
    await validateTyped();
    expect(screen.getByTestId(TestId.ImportValidity).dataset.valid).toBe('false');
    expect(screen.getByTestId(TestId.ImportValidity)).toHaveTextContent('The package is invalid: 1 error. It cannot be imported.');
    const issues = screen.getAllByTestId(TestId.ImportIssue);
    expect(issues).toHaveLength(2);
    expect(issues[0]).toHaveTextContent('Error');
    expect(issues[0]).toHaveTextContent('hash_mismatch');
    expect(issues[0]).toHaveTextContent('files/abc: the SHA-256 of the file is 123…, not abc…');
    expect(issues[1]).toHaveTextContent('Warning');
    expect(screen.getByTestId(TestId.ImportCommit)).toBeDisabled();
    await fireEvent.keyDown(screen.getByTestId(TestId.ImportWizard), { key: 'Enter' });
    expect(api.importPackage).not.toHaveBeenCalled();
    expect(step()).toBe('review');
  });

  it('Enter validates from the path field and imports from Review; a skip-only import says nothing was imported', async () => {
    vi.mocked(api.validatePackage).mockResolvedValue(report({ items: [item('Same', 'duplicate_same_version')] }));
    vi.mocked(api.importPackage).mockResolvedValue(
      committed({ imported: [], overwritten: [], duplicated: [], blobs_copied: 0, bytes_copied: 0, blobs_to_copy: 0, bytes_to_copy: 0 }),
    );
    render(ImportWizard, { open: true, onclose: vi.fn() });
    const input = screen.getByTestId(TestId.ImportPath);
    await fireEvent.input(input, { target: { value: '/tmp/pkg.tar' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(step()).toBe('review'));
    expect(api.validatePackage).toHaveBeenCalledWith('/tmp/pkg.tar', expect.anything());
    await fireEvent.keyDown(screen.getByTestId(TestId.ImportWizard), { key: 'Enter' });
    await waitFor(() => expect(step()).toBe('complete'));
    expect(api.importPackage).toHaveBeenCalledWith('/tmp/pkg.tar', { Same: 'duplicate_same_version' }, { strategy: 'skip_if_exists', overrides: {}, dry_run: false }, expect.anything());
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'info', title: 'Nothing imported: 1 pack skipped' });
  });

  it('Escape while validating cancels and returns to Choose; Escape there closes without leaving a backdrop', async () => {
    let signal: AbortSignal | undefined;
    vi.mocked(api.validatePackage).mockImplementation((_p, opts) => {
      signal = opts?.signal;
      return new Promise((_r, reject) =>
        signal!.addEventListener('abort', () => reject({ code: 'cancelled', message: 'cancelled', details: {} } satisfies WireError)),
      );
    });
    const onclose = vi.fn();
    render(ImportWizard, { open: true, onclose });
    await fireEvent.input(screen.getByTestId(TestId.ImportPath), { target: { value: '/tmp/pkg' } });
    await fireEvent.click(screen.getByTestId(TestId.ImportValidate));
    expect(step()).toBe('validate');
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(signal?.aborted).toBe(true);
    await waitFor(() => expect(step()).toBe('choose'));
    expect(onclose).not.toHaveBeenCalled();
    expect(screen.queryByRole('alert')).toBeNull();
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
    expect(document.querySelector(`[data-testid="${TestId.DialogBackdrop}"]`)).toBeNull();
  });

  it('shows why a package cannot be read, and Browse fills the path', async () => {
    vi.mocked(api.validatePackage).mockRejectedValue({ code: 'not_found', message: '/tmp/nope does not exist', details: {} } satisfies WireError);
    vi.mocked(api.pickPackageFile).mockResolvedValue('/home/me/pkg.tar');
    render(ImportWizard, { open: true, onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId(TestId.ImportBrowseFile));
    await waitFor(() => expect((screen.getByTestId(TestId.ImportPath) as HTMLInputElement).value).toBe('/home/me/pkg.tar'));
    await fireEvent.click(screen.getByTestId(TestId.ImportValidate));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('/tmp/nope does not exist'));
    expect(step()).toBe('choose');
  });
});
