import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, within } from '@testing-library/svelte';
import { SvelteSet } from 'svelte/reactivity';
import UiTargetsCard from './ui-targets-card.svelte';
import { UiTargetsState } from '$lib/state/ui-targets.svelte';
import { viewKey, type Ops } from '$lib/state/ops.svelte';
import { TestId } from '$lib/testids';
import { uiTarget } from '../../../test/fixtures';

function setup(targets: ReturnType<typeof uiTarget>[], busy: string[] = []) {
  const state = new UiTargetsState();
  state.targets = targets;
  state.loaded = true;
  const ops = { viewBusy: new SvelteSet(busy), use: vi.fn(), unuse: vi.fn() } as unknown as Ops;
  const onsettings = vi.fn();
  render(UiTargetsCard, { pack: 'Juggernaut_XL', ops, targets: state, onsettings });
  return { ops, onsettings };
}

const rowOf = (ui: string) => screen.getAllByTestId(TestId.PackUiTarget).find((r) => r.dataset.ui === ui)!;

describe('UiTargetsCard', () => {
  it('without UI targets, says so and links to Settings', async () => {
    const { onsettings } = setup([]);
    expect(screen.getByTestId(TestId.PackUiNone)).toHaveTextContent('No UI target is configured');
    await fireEvent.click(screen.getByTestId(TestId.PackUiSettings));
    expect(onsettings).toHaveBeenCalled();
  });

  it('shows per target whether the pack is active there, with Use or Unuse', async () => {
    const { ops } = setup([uiTarget({ name: 'comfyui', active_packs: ['Juggernaut_XL'] }), uiTarget({ name: 'forge', kind: 'forge', active_packs: ['Other'] })]);
    const comfy = rowOf('comfyui');
    expect(comfy.dataset.active).toBe('true');
    expect(comfy).toHaveTextContent('Active');
    expect(rowOf('forge').dataset.active).toBe('false');
    expect(rowOf('forge')).toHaveTextContent('Not used');
    await fireEvent.click(within(comfy).getByTestId(TestId.PackUnuse));
    expect(ops.unuse).toHaveBeenCalledWith('Juggernaut_XL', 'comfyui');
    await fireEvent.click(within(rowOf('forge')).getByTestId(TestId.PackUse));
    expect(ops.use).toHaveBeenCalledWith('Juggernaut_XL', 'forge');
  });

  it('disables Use when the folder is missing and while an operation on the pair runs', () => {
    setup([uiTarget({ name: 'gone', exists: false }), uiTarget({ name: 'comfyui' })], [viewKey('Juggernaut_XL', 'comfyui')]);
    expect(rowOf('gone')).toHaveTextContent('Folder missing');
    expect(within(rowOf('gone')).getByTestId(TestId.PackUse)).toBeDisabled();
    expect(within(rowOf('comfyui')).getByTestId(TestId.PackUse)).toBeDisabled();
  });
});
