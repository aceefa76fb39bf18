import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import Select from './select.svelte';
import { TestId } from '$lib/testids';

const options = [
  { value: 'lora', label: 'LoRA' },
  { value: 'vae', label: 'VAE' },
  { value: 'checkpoint', label: 'Checkpoint' },
];

const setup = (onchange = vi.fn(), value = 'lora') => {
  render(Select, { value, options, label: 'Kind', testid: 'kind', onchange });
  return { trigger: screen.getByRole('combobox', { name: 'Kind' }), onchange };
};

const listbox = () => screen.queryByRole('listbox');

describe('Select primitive (bits-ui)', () => {
  it('is a closed combobox button named by its label, showing the chosen label and value', () => {
    const { trigger } = setup();
    expect(trigger.tagName).toBe('BUTTON');
    expect(trigger).toHaveAttribute('aria-expanded', 'false');
    expect(trigger).toHaveAttribute('aria-haspopup', 'listbox');
    expect(trigger).toHaveTextContent('LoRA');
    expect(trigger).toHaveAttribute('data-value', 'lora');
    expect(listbox()).toBeNull();
  });

  it('the keyboard opens the list on the chosen option, moves with the arrows and Enter chooses', async () => {
    const { trigger, onchange } = setup();
    trigger.focus();
    await fireEvent.keyDown(trigger, { key: 'ArrowDown' });
    await waitFor(() => expect(listbox()).not.toBeNull());
    expect(trigger).toHaveAttribute('aria-expanded', 'true');
    const items = screen.getAllByRole('option');
    expect(items.map((o) => o.textContent?.trim())).toEqual(['LoRA', 'VAE', 'Checkpoint']);
    expect(items.map((o) => o.dataset.value)).toEqual(['lora', 'vae', 'checkpoint']);
    expect(items[0]).toHaveAttribute('aria-selected', 'true');
    await waitFor(() => expect(items[0]).toHaveAttribute('data-highlighted'));
    await fireEvent.keyDown(trigger, { key: 'ArrowDown' });
    await fireEvent.keyDown(trigger, { key: 'ArrowDown' });
    await waitFor(() => expect(items[2]).toHaveAttribute('data-highlighted'));
    expect(trigger.getAttribute('aria-activedescendant')).toBe(items[2].id);
    await fireEvent.keyDown(trigger, { key: 'Enter' });
    expect(onchange).toHaveBeenCalledExactlyOnceWith('checkpoint');
    await waitFor(() => expect(listbox()).toBeNull());
    expect(trigger).toHaveTextContent('Checkpoint');
    expect(trigger).toHaveAttribute('data-value', 'checkpoint');
    expect(document.activeElement).toBe(trigger);
  });

  it('Escape closes the list and keeps the value', async () => {
    const { trigger, onchange } = setup();
    trigger.focus();
    await fireEvent.keyDown(trigger, { key: 'Enter' });
    await waitFor(() => expect(listbox()).not.toBeNull());
    await fireEvent.keyDown(trigger, { key: 'ArrowDown' });
    await fireEvent.keyDown(document.activeElement ?? trigger, { key: 'Escape' });
    await waitFor(() => expect(listbox()).toBeNull());
    expect(onchange).not.toHaveBeenCalled();
    expect(trigger).toHaveAttribute('data-value', 'lora');
  });

  it('a click opens the list and a click on an option chooses it', async () => {
    const { trigger, onchange } = setup();
    await fireEvent.pointerDown(trigger, { button: 0, pointerType: 'mouse', pointerId: 1 });
    await waitFor(() => expect(listbox()).not.toBeNull());
    const vae = screen.getAllByTestId(TestId.SelectOption).find((o) => o.dataset.value === 'vae')!;
    await fireEvent.pointerUp(vae, { button: 0, pointerType: 'mouse', pointerId: 1 });
    expect(onchange).toHaveBeenCalledExactlyOnceWith('vae');
    await waitFor(() => expect(listbox()).toBeNull());
  });
});
