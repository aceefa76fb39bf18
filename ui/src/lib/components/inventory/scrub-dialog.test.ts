import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { OperationOptions, ScrubResult } from '$lib/api';
import ScrubDialog, { scrubPlaces } from './scrub-dialog.svelte';
import { TestId } from '$lib/testids';
import { toasts } from '$lib/state/toasts.svelte';
import { sha, summary, targetSummary } from '../../../test/fixtures';
import { repairPlanFixture, repairResultFixture, scrubRecordFixture, scrubResultFixture, scrubStatusFixture } from '../../../test/fixtures-targets';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  scrubRun: vi.fn(),
  scrubStatus: vi.fn(),
  repairPlan: vi.fn(),
  applyRepair: vi.fn(),
}));

const targets = [
  ...summary().targets,
  targetSummary(),
  targetSummary({ name: 'Office USB', connected: false, state: 'disconnected', error: '/media/usb/synapse does not exist (is the drive mounted?)', free_bytes: null, total_bytes: null }),
  targetSummary({ name: 'Old disk', enabled: false, state: 'disabled' }),
];

const place = (name: string) => screen.getAllByTestId(TestId.ScrubPlace).find((el) => el.dataset.place === name) as HTMLInputElement;

beforeEach(() => {
  vi.mocked(api.scrubRun).mockReset();
  vi.mocked(api.scrubStatus).mockReset().mockResolvedValue(scrubStatusFixture());
  vi.mocked(api.repairPlan).mockReset();
  vi.mocked(api.applyRepair).mockReset();
  toasts.clear();
});

describe('scrubPlaces', () => {
  it('lists this disk and every enabled target; the live state wins over the summary', () => {
    const places = scrubPlaces(targets, [{ name: 'Home NAS', primary: false, state: 'unresponsive', path: '/mnt/nas/synapse', reason: 'the mount does not answer' }]);
    expect(places.map((p) => p.value)).toEqual(['local', 'backup', 'Home NAS', 'Office USB']);
    expect(places.find((p) => p.value === 'Home NAS')).toMatchObject({ disabled: true, reason: 'not answering: the mount does not answer' });
    expect(places.find((p) => p.value === 'Office USB')?.reason).toMatch(/^not connected: \/media\/usb/);
  });
});

describe('ScrubDialog', () => {
  it('shows the last scrubs; an unconnected target is disabled with the reason', async () => {
    vi.mocked(api.scrubStatus).mockResolvedValue(scrubStatusFixture({ last: [scrubRecordFixture(), scrubRecordFixture({ target: 'local', corrupt: 1, left: 0, background: false })] }));
    render(ScrubDialog, { request: { target: 'Home NAS' }, targets, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.ScrubLast)).toBeInTheDocument());
    expect(screen.getByTestId(TestId.ScrubLast)).toHaveTextContent("'Home NAS':");
    expect(screen.getByTestId(TestId.ScrubLast)).toHaveTextContent('120 copies (90.0 GB), 220 left (background)');
    expect(screen.getByTestId(TestId.ScrubLast)).toHaveTextContent('This disk:');
    expect(screen.getByTestId(TestId.ScrubLast)).toHaveTextContent('1 corrupt');

    expect(place('Home NAS').checked).toBe(true);
    expect(place('local')).toBeEnabled();
    expect(place('Office USB')).toBeDisabled();
    expect(place('Office USB').closest('label')).toHaveTextContent('not connected: /media/usb/synapse does not exist');
    expect(screen.queryAllByTestId(TestId.ScrubPlace).some((el) => el.dataset.place === 'Old disk')).toBe(false);
  });

  it('a scrub asked for an unplugged target cannot start until another place is chosen', async () => {
    render(ScrubDialog, { request: { target: 'Office USB' }, targets, onclose: vi.fn() });
    expect(screen.getByTestId(TestId.ScrubRun)).toBeDisabled();
    await fireEvent.click(place('local'));
    expect(screen.getByTestId(TestId.ScrubRun)).toBeEnabled();
  });

  it('runs with the budget and repair asked for, with progress, then lists what it found', async () => {
    let release: (r: ScrubResult) => void = () => {};
    let progress: OperationOptions['onProgress'];
    vi.mocked(api.scrubRun).mockImplementation(async (_t, _b, _r, opts) => {
      progress = opts?.onProgress;
      return new Promise<ScrubResult>((r) => (release = r));
    });
    const ondone = vi.fn();
    render(ScrubDialog, { request: { target: 'Home NAS' }, targets, nameOf: (s: string) => (s === sha(911) ? 'realvis_xl.safetensors' : null), onclose: vi.fn(), ondone });
    await fireEvent.input(screen.getByTestId(TestId.ScrubBudget), { target: { value: '20min' } });
    await fireEvent.click(screen.getByTestId(TestId.ScrubRepair));
    await fireEvent.click(screen.getByTestId(TestId.ScrubRun));
    expect(api.scrubRun).toHaveBeenCalledWith('Home NAS', '20min', true, expect.objectContaining({ signal: expect.any(AbortSignal) }));

    progress!({ operation: 'scrub', items_done: 1, items_total: 3, bytes_done: 2_000_000_000, bytes_total: 7_300_000_000, current: 'realvis_xl.safetensors' });
    await waitFor(() => expect(screen.getByTestId(TestId.ScrubProgress)).toHaveTextContent('2.0 GB of 7.3 GB'));
    expect(screen.getByTestId(TestId.ScrubProgress)).toHaveTextContent('Hashing realvis_xl.safetensors');

    release(
      scrubResultFixture({
        budget: { seconds: 1200 },
        stopped_by_budget: true,
        left: 140,
        not_repaired: [{ sha256: sha(911), name: 'realvis_xl.safetensors', reason: 'no verified good copy elsewhere: the copy on this disk is unverified' }],
      }),
    );
    await waitFor(() => expect(screen.getByTestId(TestId.ScrubResult)).toBeInTheDocument());
    const res = screen.getByTestId(TestId.ScrubResult);
    expect(res).toHaveTextContent("'Home NAS': 3 copies checked (7.3 GB)");
    expect(res).toHaveTextContent('2 intact, 1 corrupt');
    expect(res).toHaveTextContent('Stopped by the budget (20 min 0 s).');
    expect(res).toHaveTextContent('140 copies left for next time');
    expect(screen.getByTestId(TestId.ScrubCorrupt)).toHaveTextContent('realvis_xl.safetensors');
    expect(screen.getByTestId(TestId.ScrubCorrupt)).toHaveTextContent(sha(911));
    expect(screen.getByTestId(TestId.ScrubCorrupt)).toHaveTextContent(`hashes to ${sha(999).slice(0, 16)}`);
    expect(screen.getByTestId(TestId.ScrubNotRepaired)).toHaveTextContent('realvis_xl.safetensors: no verified good copy elsewhere');
    expect(ondone).toHaveBeenCalled();
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: "Scrub found 1 corrupt copy on 'Home NAS'" });
  });

  it('an empty budget means every copy', async () => {
    vi.mocked(api.scrubRun).mockResolvedValue(scrubResultFixture({ corrupt: [], valid: 3 }));
    render(ScrubDialog, { request: { target: 'local' }, targets, onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId(TestId.ScrubRun));
    expect(api.scrubRun).toHaveBeenCalledWith('local', null, false, expect.any(Object));
    await waitFor(() => expect(screen.getByTestId(TestId.ScrubResult)).toHaveTextContent('3 intact'));
    expect(screen.queryByTestId(TestId.ScrubRepairOpen)).toBeNull();
  });

  it('a budget the backend cannot read is shown under the field, and the form stays', async () => {
    vi.mocked(api.scrubRun).mockRejectedValue({ code: 'invalid_argument', message: "budget '20 parsecs' is not a duration (20min) or a size (50GB)", details: {} });
    render(ScrubDialog, { request: { target: 'Home NAS' }, targets, onclose: vi.fn() });
    await fireEvent.input(screen.getByTestId(TestId.ScrubBudget), { target: { value: '20 parsecs' } });
    await fireEvent.click(screen.getByTestId(TestId.ScrubRun));
    await waitFor(() => expect(screen.getByTestId(TestId.ScrubBudgetError)).toHaveTextContent("budget '20 parsecs' is not a duration"));
    expect(screen.getByTestId(TestId.ScrubBudget)).toHaveValue('20 parsecs');
    expect(screen.getByTestId(TestId.ScrubBudget)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByTestId(TestId.ScrubRun)).toBeEnabled();
    expect(toasts.items).toHaveLength(0);
    await fireEvent.input(screen.getByTestId(TestId.ScrubBudget), { target: { value: '20min' } });
    expect(screen.queryByTestId(TestId.ScrubBudgetError)).toBeNull();
  });

  it('Cancel aborts the scrub; Escape while hashing cancels instead of closing', async () => {
    let signal: AbortSignal | undefined;
    vi.mocked(api.scrubRun).mockImplementation(async (_t, _b, _r, opts) => {
      signal = opts?.signal;
      return new Promise<ScrubResult>((resolve) => signal!.addEventListener('abort', () => resolve(scrubResultFixture({ corrupt: [], scrubbed: 1, valid: 1, left: 2, cancelled: true }))));
    });
    const onclose = vi.fn();
    render(ScrubDialog, { request: { target: 'Home NAS' }, targets, onclose });
    await fireEvent.click(screen.getByTestId(TestId.ScrubRun));
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(signal?.aborted).toBe(true);
    await waitFor(() => expect(screen.getByTestId(TestId.ScrubResult)).toHaveTextContent('Cancelled'));
    expect(onclose).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId(TestId.ScrubClose));
    expect(onclose).toHaveBeenCalled();
  });

  it('Repair… plans the repair of the corrupt copies left, shows it, and applies exactly that plan', async () => {
    vi.mocked(api.scrubRun).mockResolvedValue(
      scrubResultFixture({
        corrupt: [
          { sha256: sha(911), path: '/mnt/nas/synapse/a', expected: sha(911), actual: sha(999), error: null },
          { sha256: sha(912), path: '/mnt/nas/synapse/b', expected: sha(912), actual: null, error: 'Input/output error' },
        ],
        repaired: [{ sha256: sha(912), display_name: 'pony_v6.safetensors', side: 'Home NAS', from: 'backup', quarantined: '/mnt/nas/synapse/quarantine/b' }],
      }),
    );
    const plan = repairPlanFixture({ cannot: [{ sha256: sha(913), name: 'lcm.safetensors', reason: "its only good copy is on 'Office USB', which is not connected" }] });
    vi.mocked(api.repairPlan).mockResolvedValue(plan);
    vi.mocked(api.applyRepair).mockResolvedValue(repairResultFixture(plan));
    const ondone = vi.fn();
    render(ScrubDialog, { request: { target: 'Home NAS' }, targets, onclose: vi.fn(), ondone });
    await fireEvent.click(screen.getByTestId(TestId.ScrubRun));
    await waitFor(() => expect(screen.getByTestId(TestId.ScrubRepaired)).toHaveTextContent("pony_v6.safetensors on 'Home NAS': replaced from 'backup'"));

    await fireEvent.click(screen.getByTestId(TestId.ScrubRepairOpen));
    // Only the copy the scrub did not repair.
    expect(api.repairPlan).toHaveBeenCalledWith([sha(911)]);
    await waitFor(() => expect(screen.getByTestId(TestId.ScrubRepairPlan)).toBeInTheDocument());
    const shown = screen.getByTestId(TestId.ScrubRepairPlan);
    expect(shown).toHaveTextContent('1 corrupt copy will be replaced (6.5 GB copied)');
    expect(shown).toHaveTextContent("realvis_xl.safetensors on 'Home NAS', from this disk");
    expect(shown).toHaveTextContent("lcm.safetensors: its only good copy is on 'Office USB', which is not connected");
    expect(api.applyRepair).not.toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId(TestId.ScrubRepairApply));
    await waitFor(() => expect(screen.getByTestId(TestId.ScrubRepairResult)).toHaveTextContent('1 copy repaired (6.5 GB copied)'));
    expect(vi.mocked(api.applyRepair).mock.calls[0][0]).toBe(plan);
    expect(screen.getByTestId(TestId.ScrubRepairResult)).toHaveTextContent('/mnt/nas/synapse/quarantine/');
    expect(ondone).toHaveBeenCalledTimes(2);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Repaired 1 copy' });
  });

  it('no Repair… when every corrupt copy was repaired', async () => {
    vi.mocked(api.scrubRun).mockResolvedValue(
      scrubResultFixture({ repaired: [{ sha256: sha(911), display_name: 'realvis_xl.safetensors', side: 'Home NAS', from: 'local', quarantined: '/q/x' }] }),
    );
    render(ScrubDialog, { request: { target: 'Home NAS' }, targets, onclose: vi.fn() });
    await fireEvent.click(screen.getByTestId(TestId.ScrubRun));
    await waitFor(() => expect(screen.getByTestId(TestId.ScrubRepaired)).toBeInTheDocument());
    expect(screen.getByTestId(TestId.ScrubCorrupt)).toHaveTextContent('realvis_xl.safetensors');
    expect(screen.queryByTestId(TestId.ScrubRepairOpen)).toBeNull();
  });
});
