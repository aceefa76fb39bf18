import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import * as api from '$lib/api';
import type { Policy, ScrubStatus, TargetList } from '$lib/api';
import PolicySection from './policy-section.svelte';
import { AppState } from '$lib/state/app.svelte';
import { toasts } from '$lib/state/toasts.svelte';
import { TestId } from '$lib/testids';
import { choose, optionValues } from '../../../test/controls';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  getPolicy: vi.fn(),
  setPolicy: vi.fn(),
  targetList: vi.fn(),
  scrubStatus: vi.fn(),
  setBackgroundScrub: vi.fn(),
  inventoryStream: vi.fn(() => new Promise(() => {})),
  backupStatus: vi.fn(() => new Promise(() => {})),
}));

const policy = (over: Partial<Policy> = {}): Policy => ({
  min_copies: 2,
  verify_max_age_days: 90,
  kinds: { checkpoint: 3 },
  packs: { Flux_Dev: 3, Juggernaut_XL: 2 },
  ...over,
});

const background = (enabled: boolean): ScrubStatus['background'] => ({
  enabled,
  phase: 'idle',
  target: null,
  reason: null,
  scrubbed: 0,
  bytes_scrubbed: 0,
  to_check: 0,
  corrupt: [],
  queued: [],
});

const scrub = (enabled = false): ScrubStatus => ({
  last: [
    { target: 'Home NAS', at: new Date(Date.now() - 2 * 86400_000).toISOString(), scrubbed: 412, bytes_scrubbed: 9e11, corrupt: 1, left: 30, cancelled: false, background: true, duration_ms: 600_000 },
    { target: 'local', at: new Date(Date.now() - 5 * 60_000).toISOString(), scrubbed: 1, bytes_scrubbed: 1e9, corrupt: 0, left: 0, cancelled: false, background: false, duration_ms: 9000 },
  ],
  background: background(enabled),
});

const list = (below: number): TargetList => ({ targets: [], policy: policy(), blobs_below_policy: below });

async function setup() {
  const app = new AppState();
  const refresh = vi.spyOn(app, 'refresh').mockResolvedValue();
  render(PolicySection, { app });
  await waitFor(() => expect(screen.getByTestId(TestId.SettingsPolicyMinCopies)).toHaveValue(2));
  return { app, refresh };
}

function kindRow(kind: string): HTMLElement | undefined {
  return screen.queryAllByTestId(TestId.SettingsPolicyKind).find((r) => r.dataset.kind === kind);
}

beforeEach(() => {
  vi.mocked(api.getPolicy).mockReset().mockResolvedValue(policy());
  vi.mocked(api.setPolicy).mockReset();
  vi.mocked(api.targetList).mockReset().mockResolvedValue(list(0));
  vi.mocked(api.scrubStatus).mockReset().mockResolvedValue(scrub(false));
  vi.mocked(api.setBackgroundScrub).mockReset();
  toasts.clear();
});

describe('PolicySection', () => {
  it('shows the policy as saved: global values, kind overrides, pack overrides read-only with the CLI command', async () => {
    await setup();
    expect(screen.getByTestId(TestId.SettingsPolicyMaxAge)).toHaveValue(90);
    expect(within(kindRow('checkpoint')!).getByTestId(TestId.SettingsPolicyKindValue)).toHaveValue(3);
    expect(screen.getAllByTestId(TestId.SettingsPolicyKind)).toHaveLength(1);
    const packs = screen.getAllByTestId(TestId.SettingsPolicyPack);
    expect(packs.map((p) => p.textContent)).toEqual(['Flux_Dev: 3 copies', 'Juggernaut_XL: 2 copies']);
    expect(packs[0].querySelector('input')).toBeNull();
    expect(screen.getByTestId(TestId.SettingsPolicy)).toHaveTextContent('synapse target policy --pack PACK=N');
    // Nothing changed: nothing to save.
    expect(screen.getByTestId(TestId.SettingsPolicySave)).toBeDisabled();
  });

  it('Save sends only what changed, then shows how many models are below the policy and reloads the dashboard', async () => {
    const { refresh } = await setup();
    await fireEvent.input(screen.getByTestId(TestId.SettingsPolicyMinCopies), { target: { value: '3' } });
    expect(screen.getByTestId(TestId.SettingsPolicySave)).toBeEnabled();
    vi.mocked(api.setPolicy).mockResolvedValue(policy({ min_copies: 3 }));
    vi.mocked(api.targetList).mockResolvedValue(list(12));
    await fireEvent.click(screen.getByTestId(TestId.SettingsPolicySave));
    await waitFor(() => expect(api.setPolicy).toHaveBeenCalledWith({ min_copies: 3, verify_max_age_days: null, kinds: {}, packs: {} }));
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsPolicyBelow)).toHaveTextContent('12 models below the policy now'));
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Copies policy saved', detail: '12 models below the policy now.' });
    expect(refresh).toHaveBeenCalled();
    // Saved: nothing left to save.
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsPolicySave)).toBeDisabled());
  });

  it('kind overrides: a change, a removal (sent as 0) and an addition go in one update, with nothing else', async () => {
    await setup();
    await fireEvent.click(within(kindRow('checkpoint')!).getByTestId(TestId.SettingsPolicyKindRemove));
    expect(kindRow('checkpoint')).toBeUndefined();

    await choose(screen.getByTestId(TestId.SettingsPolicyKindAddKind), 'lora');
    await fireEvent.input(screen.getByTestId(TestId.SettingsPolicyKindAddValue), { target: { value: '1' } });
    await fireEvent.click(screen.getByTestId(TestId.SettingsPolicyKindAdd));
    expect(within(kindRow('lora')!).getByTestId(TestId.SettingsPolicyKindValue)).toHaveValue(1);
    // The added kind is no longer offered.
    const offered = await optionValues(screen.getByTestId(TestId.SettingsPolicyKindAddKind));
    expect(offered).not.toContain('lora');
    expect(offered).toContain('checkpoint');

    await choose(screen.getByTestId(TestId.SettingsPolicyKindAddKind), 'vae');
    await fireEvent.input(screen.getByTestId(TestId.SettingsPolicyKindAddValue), { target: { value: '4' } });
    await fireEvent.click(screen.getByTestId(TestId.SettingsPolicyKindAdd));
    await fireEvent.input(within(kindRow('vae')!).getByTestId(TestId.SettingsPolicyKindValue), { target: { value: '5' } });

    vi.mocked(api.setPolicy).mockResolvedValue(policy({ kinds: { lora: 1, vae: 5 } }));
    await fireEvent.click(screen.getByTestId(TestId.SettingsPolicySave));
    await waitFor(() => expect(api.setPolicy).toHaveBeenCalledWith({ min_copies: null, verify_max_age_days: null, kinds: { checkpoint: 0, lora: 1, vae: 5 }, packs: {} }));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Copies policy saved', detail: 'Every model meets it.' }));
  });

  it('the verification age alone is sent alone; a value out of range blocks Save', async () => {
    await setup();
    await fireEvent.input(screen.getByTestId(TestId.SettingsPolicyMinCopies), { target: { value: '12' } });
    expect(screen.getByText('A whole number from 1 to 9.')).toBeInTheDocument();
    expect(screen.getByTestId(TestId.SettingsPolicySave)).toBeDisabled();
    await fireEvent.input(screen.getByTestId(TestId.SettingsPolicyMinCopies), { target: { value: '2' } });
    await fireEvent.input(screen.getByTestId(TestId.SettingsPolicyMaxAge), { target: { value: '0' } });
    expect(screen.getByText('At least 1 day.')).toBeInTheDocument();
    expect(screen.getByTestId(TestId.SettingsPolicySave)).toBeDisabled();

    await fireEvent.input(screen.getByTestId(TestId.SettingsPolicyMaxAge), { target: { value: '30' } });
    vi.mocked(api.setPolicy).mockResolvedValue(policy({ verify_max_age_days: 30 }));
    // Enter in a field saves this section (the page's form around it must not submit).
    const enter = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
    screen.getByTestId(TestId.SettingsPolicyMaxAge).dispatchEvent(enter);
    expect(enter.defaultPrevented).toBe(true);
    await waitFor(() => expect(api.setPolicy).toHaveBeenCalledWith({ min_copies: null, verify_max_age_days: 30, kinds: {}, packs: {} }));
    expect(api.setPolicy).toHaveBeenCalledTimes(1);
  });

  it('a refused save shows the core error and keeps the edit', async () => {
    await setup();
    await fireEvent.input(screen.getByTestId(TestId.SettingsPolicyMinCopies), { target: { value: '4' } });
    vi.mocked(api.setPolicy).mockRejectedValue({ code: 'busy', message: 'the store is busy (sync since 10:02)', details: {} });
    await fireEvent.click(screen.getByTestId(TestId.SettingsPolicySave));
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsPolicySaveError)).toHaveTextContent('the store is busy'));
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'The copies policy was not saved' });
    expect(screen.getByTestId(TestId.SettingsPolicyMinCopies)).toHaveValue(4);
    expect(screen.queryByTestId(TestId.SettingsPolicyBelow)).toBeNull();
  });

  it('the background scrub switch calls setBackgroundScrub and follows its answer; the last scrub of each target is listed', async () => {
    const { app } = await setup();
    const sw = await screen.findByTestId(TestId.SettingsScrubBackground);
    expect(sw).toHaveAttribute('aria-checked', 'false');

    const rows = screen.getAllByTestId(TestId.SettingsScrubLast);
    expect(rows.map((r) => r.dataset.target)).toEqual(['Home NAS', 'local']);
    expect(rows[0]).toHaveTextContent('2 days ago (in the background)');
    expect(rows[0]).toHaveTextContent('412 copies verified');
    expect(rows[0]).toHaveTextContent('1 corrupt copy found');
    expect(rows[0]).toHaveTextContent('30 copies left for next time');
    expect(rows[1]).toHaveTextContent('This disk');
    expect(rows[1]).toHaveTextContent('1 copy verified');
    expect(rows[1]).toHaveTextContent('nothing corrupt');

    vi.mocked(api.setBackgroundScrub).mockResolvedValue(scrub(true));
    await fireEvent.click(sw);
    await waitFor(() => expect(api.setBackgroundScrub).toHaveBeenCalledWith(true));
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsScrubBackground)).toHaveAttribute('aria-checked', 'true'));
    expect(app.scrub?.enabled).toBe(true);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Background scrub on' });

    vi.mocked(api.setBackgroundScrub).mockRejectedValue({ code: 'busy', message: 'the store is busy', details: {} });
    await fireEvent.click(screen.getByTestId(TestId.SettingsScrubBackground));
    await waitFor(() => expect(api.setBackgroundScrub).toHaveBeenLastCalledWith(false));
    await waitFor(() => expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Could not turn the background scrub off' }));
    expect(screen.getByTestId(TestId.SettingsScrubBackground)).toHaveAttribute('aria-checked', 'true');
  });

  it('the switch follows the background scrub state the shell pushes', async () => {
    const { app } = await setup();
    const sw = await screen.findByTestId(TestId.SettingsScrubBackground);
    expect(sw).toHaveAttribute('aria-checked', 'false');
    app.scrub = { ...scrub(true).background, phase: 'running', target: 'Home NAS' };
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsScrubBackground)).toHaveAttribute('aria-checked', 'true'));
    vi.mocked(api.setBackgroundScrub).mockResolvedValue(scrub(false));
    await fireEvent.click(screen.getByTestId(TestId.SettingsScrubBackground));
    await waitFor(() => expect(api.setBackgroundScrub).toHaveBeenCalledWith(false));
    await waitFor(() => expect(screen.getByTestId(TestId.SettingsScrubBackground)).toHaveAttribute('aria-checked', 'false'));
  });
});
