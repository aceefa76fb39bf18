import { describe, expect, it } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import Toaster from './toaster.svelte';
import { Toasts } from '$lib/state/toasts.svelte';
import { TestId } from '$lib/testids';

describe('Toaster (svelte-sonner)', () => {
  it('shows each toast of the state with its kind, and Dismiss removes it from both', async () => {
    const toasts = new Toasts();
    render(Toaster, { toasts });
    toasts.success('Deleted old_lora.safetensors', '2.0 MB freed');
    toasts.error('Could not back up', 'backup drive not connected');
    await waitFor(() => expect(screen.getAllByTestId(TestId.Toast)).toHaveLength(2));
    const ok = screen.getAllByTestId(TestId.Toast).find((t) => t.dataset.kind === 'success')!;
    expect(ok).toHaveTextContent('Deleted old_lora.safetensors');
    expect(ok).toHaveTextContent('2.0 MB freed');
    await fireEvent.click(ok.querySelector(`[data-testid="${TestId.ToastDismiss}"]`)!);
    expect(toasts.items.map((t) => t.kind)).toEqual(['error']);
    await waitFor(() => expect(screen.getAllByTestId(TestId.Toast)).toHaveLength(1));
    expect(screen.getByTestId(TestId.Toast)).toHaveAttribute('role', 'alert');
  });

  it('a toast leaves the screen and the list when its time is up (sonner counts it)', async () => {
    const toasts = new Toasts();
    render(Toaster, { toasts });
    toasts.push('info', 'Cancelled', undefined, 200);
    await waitFor(() => expect(screen.getAllByTestId(TestId.Toast)).toHaveLength(1));
    await waitFor(() => expect(toasts.items).toHaveLength(0), { timeout: 3000 });
  });
});
