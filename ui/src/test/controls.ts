/**
 * Drive the app's select and checkbox primitives (ui/select.svelte and
 * ui/checkbox.svelte, on bits-ui) as a user does: they are buttons with a
 * portalled listbox, not native <select>/<input> elements.
 */
import { fireEvent, waitFor } from '@testing-library/svelte';
import { TestId } from '$lib/testids';

const mouse = { button: 0, pointerType: 'mouse', pointerId: 1 };
const listbox = () => document.querySelector('[role="listbox"]');
const option = (value: string) => document.querySelector<HTMLElement>(`[data-testid="${TestId.SelectOption}"][data-value="${CSS.escape(value)}"]`);

/** The value a select shows. */
export const selectValue = (trigger: HTMLElement) => trigger.dataset.value;

async function open(trigger: HTMLElement) {
  await fireEvent.pointerDown(trigger, mouse);
  await waitFor(() => {
    if (!listbox()) throw new Error(`the list of ${trigger.getAttribute('aria-label')} did not open`);
  });
}

/** Opens a select and clicks the option of `value`. */
export async function choose(trigger: HTMLElement, value: string) {
  await open(trigger);
  const o = option(value);
  if (!o) throw new Error(`${trigger.getAttribute('aria-label')} offers no option ${JSON.stringify(value)}`);
  await fireEvent.pointerUp(o, mouse);
  await waitFor(() => {
    if (listbox()) throw new Error('the list did not close');
  });
}

/** The values a select offers, in order (opens it, then closes it with Escape). */
export async function optionValues(trigger: HTMLElement): Promise<string[]> {
  await open(trigger);
  const values = Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${TestId.SelectOption}"]`)).map((o) => o.dataset.value ?? '');
  await fireEvent.keyDown(trigger, { key: 'Escape' });
  await waitFor(() => {
    if (listbox()) throw new Error('the list did not close');
  });
  return values;
}

/** Whether a checkbox is checked (`mixed` when indeterminate). */
export const checkedState = (box: HTMLElement) => box.getAttribute('aria-checked');
