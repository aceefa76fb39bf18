import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent } from '@testing-library/svelte';
import Checkbox from './checkbox.svelte';

const box = () => screen.getByRole('checkbox', { name: 'Include orphans' });

describe('Checkbox primitive (bits-ui)', () => {
  it('says its state in aria-checked and data-state, mixed when indeterminate', async () => {
    const { rerender } = render(Checkbox, { checked: false, label: 'Include orphans' });
    expect(box()).toHaveAttribute('aria-checked', 'false');
    expect(box()).toHaveAttribute('data-state', 'unchecked');
    await rerender({ checked: true, label: 'Include orphans' });
    expect(box()).toHaveAttribute('aria-checked', 'true');
    expect(box()).toHaveAttribute('data-state', 'checked');
    await rerender({ checked: false, indeterminate: true, label: 'Include orphans' });
    expect(box()).toHaveAttribute('aria-checked', 'mixed');
    expect(box()).toHaveAttribute('data-state', 'indeterminate');
  });

  it('Space toggles it and reports the key event; Enter does not', async () => {
    const onchange = vi.fn();
    render(Checkbox, { checked: false, label: 'Include orphans', onchange });
    await fireEvent.keyDown(box(), { key: 'Enter' });
    expect(onchange).not.toHaveBeenCalled();
    await fireEvent.keyDown(box(), { key: ' ', shiftKey: true });
    expect(onchange).toHaveBeenCalledOnce();
    const [checked, event] = onchange.mock.calls[0];
    expect(checked).toBe(true);
    expect((event as KeyboardEvent).shiftKey).toBe(true);
  });

  it('is controlled: a click reports the new state and shows the one its owner gives', async () => {
    const onchange = vi.fn();
    const { rerender } = render(Checkbox, { checked: false, label: 'Include orphans', onchange });
    await fireEvent.click(box(), { shiftKey: true });
    expect(onchange).toHaveBeenCalledOnce();
    expect(onchange.mock.calls[0][0]).toBe(true);
    expect((onchange.mock.calls[0][1] as MouseEvent).shiftKey).toBe(true);
    // The owner has not taken the change: the box still says unchecked.
    expect(box()).toHaveAttribute('aria-checked', 'false');
    await rerender({ checked: true, label: 'Include orphans', onchange });
    expect(box()).toHaveAttribute('aria-checked', 'true');
  });

  it('disabled, it reports nothing', async () => {
    const onchange = vi.fn();
    const { rerender } = render(Checkbox, { checked: false, label: 'Include orphans', onchange });
    await fireEvent.click(box());
    await rerender({ checked: false, label: 'Include orphans', onchange, disabled: true });
    expect(box()).toBeDisabled();
    await fireEvent.click(box());
    await fireEvent.keyDown(box(), { key: ' ' });
    expect(onchange).toHaveBeenCalledOnce();
  });
});
