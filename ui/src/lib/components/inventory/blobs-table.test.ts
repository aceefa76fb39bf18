import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import BlobsTable, { ROW_HEIGHT } from './blobs-table.svelte';
import type { Props } from './blobs-table.svelte';
import { TestId } from '$lib/testids';
import { item, metadata } from '../../../test/fixtures';
import { Previews } from '$lib/state/previews.svelte';
import { checkedState } from '../../../test/controls';

function setup(over: Partial<Props> = {}) {
  const props: Props = {
    items: [
      item({ display_name: 'big.safetensors', size_bytes: 6_800_000_000, location: 'both' }),
      item({ display_name: 'local.safetensors', size_bytes: 145_000_000, location: 'local_only' }),
      item({ display_name: 'orphan_vae', size_bytes: 335_000_000, location: 'backup_only', status: 'orphan', used_by_packs: [] }),
      item({ display_name: 'missing.ckpt', size_bytes: 0, location: 'nowhere', status: 'missing', used_by_packs: ['A', 'B', 'C', 'D'] }),
    ],
    sort: { key: 'size', dir: 'desc' },
    selected: new Set<string>(),
    backupConnected: true,
    onsort: vi.fn(),
    ontoggle: vi.fn(),
    ontoggleall: vi.fn(),
    onaction: vi.fn(),
    ...over,
  };
  render(BlobsTable, props);
  return props;
}

const rows = () => screen.getAllByTestId(TestId.InventoryRow);
const rowOf = (name: string) => rows().find((r) => within(r).queryByText(name))!;

describe('BlobsTable', () => {
  it('renders one row per item with sha256, status and location attributes', () => {
    const p = setup();
    expect(rows()).toHaveLength(4);
    const r = rowOf('big.safetensors');
    expect(r.dataset.sha256).toBe(p.items[0].sha256);
    expect(r.dataset.status).toBe('referenced');
    expect(within(r).getByTestId(TestId.RowLocation).dataset.location).toBe('both');
    expect(within(r).getByTestId(TestId.RowSize)).toHaveTextContent('6.8 GB');
    expect(within(r).getByText(p.items[0].sha256.slice(0, 12))).toBeInTheDocument();
  });

  it('shows two pack badges and "+N" for the rest', () => {
    setup();
    const used = within(rowOf('missing.ckpt')).getByTestId(TestId.RowUsedBy);
    expect(used).toHaveTextContent('A');
    expect(used).toHaveTextContent('B');
    expect(used).toHaveTextContent('+2');
    expect(used).not.toHaveTextContent('C');
  });

  it('shows the UIs a blob is linked into (active_in_uis)', () => {
    setup({ items: [item({ display_name: 'used.safetensors', active_in_uis: ['comfyui', 'forge'] }), item({ display_name: 'idle.safetensors' })] });
    const active = within(rowOf('used.safetensors')).getByTestId(TestId.RowActiveUis);
    expect(active).toHaveTextContent('in comfyui, forge');
    expect(active.dataset.uis).toBe('comfyui,forge');
    expect(within(rowOf('idle.safetensors')).queryByTestId(TestId.RowActiveUis)).toBeNull();
  });

  it('offers Re-download for a missing blob only when a lock records a download URL', async () => {
    const p = setup({
      items: [
        item({ display_name: 'fetchable.ckpt', location: 'nowhere', status: 'missing', has_download_url: true }),
        item({ display_name: 'lost.ckpt', location: 'nowhere', status: 'missing', has_download_url: false }),
      ],
    });
    await fireEvent.click(within(rowOf('fetchable.ckpt')).getByTestId(TestId.RowMenuButton));
    await fireEvent.click(within(screen.getByTestId(TestId.ContextMenu)).getByTestId(TestId.MenuRedownload));
    expect(p.onaction).toHaveBeenCalledWith('redownload', p.items[0]);
    await fireEvent.click(within(rowOf('lost.ckpt')).getByTestId(TestId.RowMenuButton));
    expect(within(screen.getByTestId(TestId.ContextMenu)).queryByTestId(TestId.MenuRedownload)).toBeNull();
  });

  it('header buttons sort name, type, size, status, location and show the direction', async () => {
    const p = setup();
    for (const id of [TestId.SortName, TestId.SortKind, TestId.SortSize, TestId.SortStatus, TestId.SortLocation]) {
      await fireEvent.click(screen.getByTestId(id));
    }
    expect(p.onsort).toHaveBeenNthCalledWith(1, 'name');
    expect(p.onsort).toHaveBeenNthCalledWith(2, 'kind');
    expect(p.onsort).toHaveBeenNthCalledWith(3, 'size');
    expect(p.onsort).toHaveBeenNthCalledWith(4, 'status');
    expect(p.onsort).toHaveBeenNthCalledWith(5, 'location');
    expect(screen.getByTestId(TestId.SortSize).closest('[role=columnheader]')).toHaveAttribute('aria-sort', 'descending');
  });

  it('checkboxes toggle one row (with shift) and select-all', async () => {
    const p = setup();
    await fireEvent.click(within(rowOf('local.safetensors')).getByTestId(TestId.RowCheckbox), { shiftKey: true });
    expect(p.ontoggle).toHaveBeenCalledWith(p.items[1].sha256, true);
    await fireEvent.click(screen.getByTestId(TestId.SelectAll));
    expect(p.ontoggleall).toHaveBeenCalledOnce();
  });

  it("each row's checkbox is named after the model it shows, also once the slot shows another", async () => {
    const items = Array.from({ length: 200 }, (_, i) => item({ display_name: `m${i}.safetensors` }));
    setup({ items });
    expect(screen.getByRole('checkbox', { name: 'Select m0.safetensors' })).toHaveAttribute('data-testid', TestId.RowCheckbox);
    const viewport = screen.getByTestId(TestId.InventoryTableViewport);
    viewport.scrollTop = 100 * ROW_HEIGHT;
    await fireEvent.scroll(viewport);
    expect(screen.queryByRole('checkbox', { name: 'Select m0.safetensors' })).toBeNull();
    expect(screen.getByRole('checkbox', { name: 'Select m100.safetensors' })).toBeInTheDocument();
  });

  it('marks selected rows and an indeterminate select-all', () => {
    const base = [item(), item()];
    setup({ items: base, selected: new Set([base[0].sha256]) });
    expect(rows()[0]).toHaveAttribute('aria-selected', 'true');
    expect(checkedState(screen.getByTestId(TestId.SelectAll))).toBe('mixed');
  });

  it('offers the inline quick action by location and status', async () => {
    const p = setup();
    const quick = (name: string) => within(rowOf(name)).queryByTestId(TestId.RowQuickAction);
    expect(quick('big.safetensors')).toBeNull();
    expect(quick('local.safetensors')).toHaveTextContent('Back up');
    expect(quick('orphan_vae')).toHaveTextContent('Restore');
    expect(quick('missing.ckpt')).toBeNull();
    await fireEvent.click(quick('local.safetensors')!);
    expect(p.onaction).toHaveBeenCalledWith('backup', p.items[1]);
  });

  it('disables backup-side quick actions while the drive is disconnected', () => {
    setup({ backupConnected: false });
    expect(within(rowOf('local.safetensors')).getByTestId(TestId.RowQuickAction)).toBeDisabled();
  });

  it('right-click opens the context menu with the actions of that row', async () => {
    const p = setup();
    await fireEvent.contextMenu(rowOf('big.safetensors'), { clientX: 10, clientY: 10 });
    const menu = screen.getByTestId(TestId.ContextMenu);
    const ids = within(menu).getAllByRole('menuitem').map((b) => b.dataset.testid);
    expect(ids).toEqual([TestId.MenuCopySha, TestId.MenuImpacts, TestId.MenuIdentify, TestId.MenuDeleteLocal, TestId.MenuDeleteBackup]);
    await fireEvent.click(within(menu).getByTestId(TestId.MenuDeleteBackup));
    expect(p.onaction).toHaveBeenCalledWith('delete_backup', p.items[0]);
    expect(screen.queryByTestId(TestId.ContextMenu)).toBeNull();
  });

  it('the … button opens the same menu; Escape closes it', async () => {
    setup();
    await fireEvent.click(within(rowOf('orphan_vae')).getByTestId(TestId.RowMenuButton));
    const menu = screen.getByTestId(TestId.ContextMenu);
    expect(within(menu).getAllByRole('menuitem').map((b) => b.textContent?.trim())).toEqual(['Copy SHA-256', 'Identify on Civitai…', 'Restore from backup', 'Delete from backup']);
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(screen.queryByTestId(TestId.ContextMenu)).toBeNull();
  });

  it('menu actions that need the drive are disabled while it is disconnected', async () => {
    const p = setup({ backupConnected: false });
    await fireEvent.contextMenu(rowOf('local.safetensors'));
    // Menu items are ARIA menuitems (bits-ui), disabled by aria-disabled; choosing a disabled one does nothing.
    expect(screen.getByTestId(TestId.MenuBackup)).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByTestId(TestId.MenuCopySha)).not.toHaveAttribute('aria-disabled', 'true');
    await fireEvent.click(screen.getByTestId(TestId.MenuBackup));
    expect(p.onaction).not.toHaveBeenCalled();
  });

  it('virtualises: 50,000 items render only the rows in view, and scrolling moves the window', async () => {
    const many = Array.from({ length: 50_000 }, (_, i) => item({ display_name: `row_${i}`, size_bytes: 50_000 - i }));
    setup({ items: many });
    const rendered = rows();
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(60);
    expect(screen.getByTestId(TestId.InventoryTable).dataset.rows).toBe('50000');
    const viewport = screen.getByTestId(TestId.InventoryTableViewport);
    viewport.scrollTop = 44 * 30_000;
    await fireEvent.scroll(viewport);
    // The rows in view are filled in the scroll step itself...
    for (let i = 30_000; i < 30_018; i++) expect(screen.getByText(`row_${i}`)).toBeInTheDocument();
    // ... the overscan slots off screen catch up once the scrolling stops (issue 11: a page step fills only what is seen).
    await waitFor(() => expect(screen.queryByText('row_0')).toBeNull());
    expect(screen.getByText('row_29995')).toBeInTheDocument();
    expect(rows().length).toBe(rendered.length);
  });

  it('shows the empty text when there are no items', () => {
    setup({ items: [], emptyText: 'Nothing here' });
    expect(screen.getByTestId(TestId.InventoryEmpty)).toHaveTextContent('Nothing here');
  });

  it('a click on a row opens the model, a click on its checkbox or buttons does not', async () => {
    const onopen = vi.fn();
    const p = setup({ onopen });
    await fireEvent.click(within(rowOf('local.safetensors')).getByTestId(TestId.RowName));
    expect(onopen).toHaveBeenCalledWith(p.items[1]);
    // The grid has the keyboard after the click: the arrows go on from that row.
    expect(document.activeElement).toBe(screen.getByTestId(TestId.InventoryTable));
    await fireEvent.keyDown(screen.getByTestId(TestId.InventoryTable), { key: 'ArrowDown' });
    expect(rows().find((r) => r.dataset.focused === 'true')?.dataset.sha256).toBe(p.items[2].sha256);
    await fireEvent.click(within(rowOf('local.safetensors')).getByTestId(TestId.RowCheckbox));
    await fireEvent.click(within(rowOf('local.safetensors')).getByTestId(TestId.RowQuickAction));
    expect(onopen).toHaveBeenCalledTimes(1);
  });

  it('keyboard: arrows move the focused row, Enter opens, Space selects, Delete asks to delete through the menu’s action', async () => {
    const onopen = vi.fn();
    const p = setup({ onopen });
    const grid = screen.getByTestId(TestId.InventoryTable);
    grid.focus();
    await fireEvent.focus(grid);
    const focusedName = () => rows().find((r) => r.dataset.focused === 'true')?.querySelector(`[data-testid="${TestId.RowName}"] [title]`)?.getAttribute('title');
    expect(focusedName()).toBe('big.safetensors');
    expect(grid).toHaveAttribute('aria-activedescendant', `row-${p.items[0].sha256}`);
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    expect(focusedName()).toBe('orphan_vae');
    await fireEvent.keyDown(grid, { key: 'ArrowUp' });
    expect(focusedName()).toBe('local.safetensors');
    await fireEvent.keyDown(grid, { key: 'Enter' });
    expect(onopen).toHaveBeenCalledWith(p.items[1]);
    await fireEvent.keyDown(grid, { key: ' ' });
    expect(p.ontoggle).toHaveBeenCalledWith(p.items[1].sha256, false);
    // A referenced local-only model offers no delete: Delete does nothing.
    await fireEvent.keyDown(grid, { key: 'Delete' });
    expect(p.onaction).not.toHaveBeenCalled();
    // The backup-only orphan: Delete asks to delete its backup copy (the dialog guards it).
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await fireEvent.keyDown(grid, { key: 'Delete' });
    expect(p.onaction).toHaveBeenCalledWith('delete_backup', p.items[2]);
    await fireEvent.keyDown(grid, { key: 'End' });
    expect(focusedName()).toBe('missing.ckpt');
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    expect(focusedName()).toBe('missing.ckpt');
    await fireEvent.keyDown(grid, { key: 'Home' });
    expect(focusedName()).toBe('big.safetensors');
  });

  it('Delete does not ask for a backup delete while the drive is away', async () => {
    const p = setup({ backupConnected: false });
    const grid = screen.getByTestId(TestId.InventoryTable);
    await fireEvent.focus(grid);
    await fireEvent.keyDown(grid, { key: 'End' });
    await fireEvent.keyDown(grid, { key: 'ArrowUp' });
    await fireEvent.keyDown(grid, { key: 'Delete' });
    expect(p.onaction).not.toHaveBeenCalled();
  });

  it('the Copies column counts good copies against the policy, one square per copy, and names each in its tooltip', () => {
    setup({
      items: [
        item({
          display_name: 'short.safetensors',
          location: 'local_only',
          copies: [
            { target: 'local', verified_at: null, source: 'live', corrupt: false },
            { target: 'Home NAS', verified_at: null, source: 'cached', corrupt: true },
          ],
          copies_count: 1,
          min_copies: 2,
        }),
        item({ display_name: 'fine.safetensors', location: 'both', copies_count: 2, min_copies: 2 }),
      ],
    });
    const short = within(rowOf('short.safetensors')).getByTestId(TestId.RowCopies);
    expect(short).toHaveTextContent('1/2');
    expect(short.dataset.below).toBe('true');
    expect(short.title).toContain('1 good copy of 2 the policy asks');
    expect(short.title).toContain("Target 'Home NAS': CORRUPT — does not count (drive not connected: from its catalog)");
    expect(short.querySelectorAll('span[aria-hidden] > span')).toHaveLength(2);
    const fine = within(rowOf('fine.safetensors')).getByTestId(TestId.RowCopies);
    expect(fine).toHaveTextContent('2/2');
    expect(fine.dataset.below).toBe('false');
  });

  it("a bucket's copy is a round dot, named as the bucket's (and, while it is offline, as from its last listing)", () => {
    setup({
      buckets: new Set(['Cloud']),
      items: [
        item({
          display_name: 'up.safetensors',
          location: 'both',
          copies: [
            { target: 'local', verified_at: null, source: 'live', corrupt: false },
            { target: 'Home NAS', verified_at: null, source: 'live', corrupt: false },
            { target: 'Cloud', verified_at: null, source: 'cached', corrupt: false },
          ],
          copies_count: 3,
          min_copies: 2,
        }),
      ],
    });
    const cell = within(rowOf('up.safetensors')).getByTestId(TestId.RowCopies);
    const dots = [...cell.querySelectorAll('span[aria-hidden] > span')];
    expect(dots.map((d) => d.hasAttribute('data-bucket'))).toEqual([false, false, true]);
    expect(dots[2]).toHaveClass('rounded-full');
    expect(dots[1]).toHaveClass('rounded-[2px]');
    expect(cell.title).toContain("Bucket 'Cloud': verified never (bucket offline: from its last listing)");
    expect(cell.title).toContain("Target 'Home NAS': verified never");
  });

  it('an identified row shows the model and version, its base model and the preview thumbnail (loaded by hash when in view)', async () => {
    const items = [
      item({ display_name: 'juggernaut.safetensors', metadata: metadata({ preview: '/store/data/cache/previews/a.jpg' }) }),
      item({ display_name: 'mystery.safetensors', metadata: metadata({ model_name: 'Mystery', version_name: null, base_model: null, preview: null }) }),
      item({ display_name: 'plain.safetensors' }),
    ];
    const load = vi.fn((sha: string) => Promise.resolve(sha === items[0].sha256 ? 'data:image/png;base64,iVBORw0KGgo=' : null));
    const previews = new Previews(load);
    setup({ previews, items });
    const jug = rowOf('juggernaut.safetensors');
    expect(within(jug).getByTestId(TestId.RowModel)).toHaveTextContent('Juggernaut XL — Jugg_X_RunDiffusion');
    expect(within(jug).getByTestId(TestId.RowBaseModel)).toHaveTextContent('SDXL 1.0');
    await vi.waitFor(() => expect(within(jug).getByTestId(TestId.RowThumb).dataset.state).toBe('ready'));
    expect(jug.querySelector('img')).toHaveAttribute('src', 'data:image/png;base64,iVBORw0KGgo=');
    // Only rows whose answer has a preview ask for one.
    expect(load).toHaveBeenCalledTimes(1);
    expect(within(rowOf('mystery.safetensors')).getByTestId(TestId.RowThumb).dataset.state).toBe('none');
    expect(within(rowOf('mystery.safetensors')).queryByTestId(TestId.RowBaseModel)).toBeNull();
    // A model nobody identified keeps its file name.
    expect(within(rowOf('plain.safetensors')).queryByTestId(TestId.RowModel)).toBeNull();
  });

  it('a version of a Civitai model with others in the store says how many, and shows them together on a click', async () => {
    const onversions = vi.fn();
    setup({
      items: [item({ display_name: 'jugg_v9.safetensors', metadata: metadata({ model_id: 133005, version_name: 'v9' }) }), item({ display_name: 'solo.safetensors', metadata: metadata({ model_id: 7 }) })],
      versions: new Map([
        [133005, 3],
        [7, 1],
      ]),
      onversions,
    });
    const badge = within(rowOf('jugg_v9.safetensors')).getByTestId(TestId.RowVersions);
    expect(badge).toHaveTextContent('3 versions');
    expect(within(rowOf('solo.safetensors')).queryByTestId(TestId.RowVersions)).toBeNull();
    await fireEvent.click(badge);
    expect(onversions).toHaveBeenCalledWith('Juggernaut XL');
  });
});
