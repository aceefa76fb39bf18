import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent } from '@testing-library/svelte';
import DialogHarness from '../../../test/DialogHarness.svelte';
import { TestId } from '$lib/testids';

const backdrops = () => document.querySelectorAll(`[data-testid="${TestId.DialogBackdrop}"]`);

describe('Dialog primitive', () => {
  it('renders panel and backdrop together, labelled by its title', () => {
    render(DialogHarness);
    expect(screen.getByRole('dialog', { name: 'Harness' })).toBeInTheDocument();
    expect(backdrops()).toHaveLength(1);
  });

  it('Escape closes and removes the backdrop with the panel', async () => {
    const onclose = vi.fn();
    render(DialogHarness, { onclose });
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(onclose).toHaveBeenCalledOnce();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(backdrops()).toHaveLength(0);
  });

  it('Enter confirms from the panel or a text field', async () => {
    const onconfirm = vi.fn();
    render(DialogHarness, { onconfirm });
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Enter' });
    await fireEvent.keyDown(screen.getByLabelText('field'), { key: 'Enter' });
    expect(onconfirm).toHaveBeenCalledTimes(2);
  });

  it('Enter on a focused button does not also confirm (the button handles it)', async () => {
    const onconfirm = vi.fn();
    render(DialogHarness, { onconfirm });
    await fireEvent.keyDown(screen.getByRole('button', { name: 'Cancel' }), { key: 'Enter' });
    expect(onconfirm).not.toHaveBeenCalled();
  });

  it('a destructive dialog opens with focus on Cancel and Enter never confirms, from anywhere', async () => {
    const onconfirm = vi.fn();
    render(DialogHarness, { onconfirm, destructive: true });
    await new Promise((r) => setTimeout(r, 0));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Enter' });
    await fireEvent.keyDown(screen.getByLabelText('field'), { key: 'Enter' });
    expect(onconfirm).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'OK' }));
    expect(onconfirm).toHaveBeenCalledOnce();
  });

  it('a click on the backdrop closes', async () => {
    const onclose = vi.fn();
    render(DialogHarness, { onclose });
    await fireEvent.click(backdrops()[0]);
    expect(onclose).toHaveBeenCalledOnce();
    expect(backdrops()).toHaveLength(0);
  });

  it('the × button closes', async () => {
    render(DialogHarness);
    await fireEvent.click(screen.getByTestId(TestId.DialogClose));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(backdrops()).toHaveLength(0);
  });

  it('a body that throws renders the error with a Close button instead of a dead backdrop', async () => {
    const onclose = vi.fn();
    render(DialogHarness, { explode: true, onclose });
    expect(screen.getByRole('alert')).toHaveTextContent('kaboom');
    await fireEvent.click(screen.getByText('Close', { selector: 'footer button' }));
    expect(onclose).toHaveBeenCalledOnce();
    expect(backdrops()).toHaveLength(0);
  });

  it('with two dialogs open, Escape closes only the top one', async () => {
    render(DialogHarness, { second: true });
    expect(screen.getAllByRole('dialog')).toHaveLength(2);
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(screen.getAllByRole('dialog')).toHaveLength(1);
    expect(screen.getByRole('dialog', { name: 'Harness' })).toBeInTheDocument();
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(screen.queryAllByRole('dialog')).toHaveLength(0);
    expect(backdrops()).toHaveLength(0);
  });
});
