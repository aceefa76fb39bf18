import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from '$lib/api';
import type { WorkflowCheck } from '$lib/api';
import { WorkflowState } from './workflow.svelte';
import { UiTargetsState } from './ui-targets.svelte';
import { requiredModel, uiTarget, workflowCheck } from '../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  workflowCheck: vi.fn(),
  uiTargets: vi.fn(),
  unusePack: vi.fn(),
}));

function setup(targets = [uiTarget({ name: 'comfy' }), uiTarget({ name: 'forge' })]) {
  vi.mocked(api.uiTargets).mockResolvedValue({ ui_targets: targets });
  return new WorkflowState(new UiTargetsState());
}

beforeEach(() => vi.mocked(api.workflowCheck).mockReset());

describe('WorkflowState', () => {
  it('opens a workflow with the first UI target, and checks again with another', async () => {
    const wf = setup();
    vi.mocked(api.workflowCheck).mockResolvedValue(workflowCheck([requiredModel()]));
    await wf.open('  /w/a.json ');
    expect(api.workflowCheck).toHaveBeenLastCalledWith('/w/a.json', 'comfy');
    expect(wf.check?.models).toHaveLength(1);
    await wf.chooseUi(null);
    expect(api.workflowCheck).toHaveBeenLastCalledWith('/w/a.json', null);
    expect(wf.ui).toBeNull();
  });

  it('without UI targets asks about no UI', async () => {
    const wf = setup([]);
    vi.mocked(api.workflowCheck).mockResolvedValue(workflowCheck([]));
    await wf.open('/w/a.json');
    expect(api.workflowCheck).toHaveBeenLastCalledWith('/w/a.json', null);
  });

  it('keeps only the answer of the last check (a slow first file does not overwrite the second)', async () => {
    const wf = setup();
    let answerFirst: (c: WorkflowCheck) => void = () => undefined;
    vi.mocked(api.workflowCheck)
      .mockImplementationOnce(() => new Promise((r) => (answerFirst = r)))
      .mockResolvedValueOnce(workflowCheck([requiredModel({ name: 'second.safetensors' })], { file: '/w/second.json' }));
    const first = wf.open('/w/first.json');
    await vi.waitFor(() => expect(api.workflowCheck).toHaveBeenCalledTimes(1));
    await wf.open('/w/second.json');
    answerFirst(workflowCheck([requiredModel({ name: 'first.safetensors' })], { file: '/w/first.json' }));
    await first;
    expect(wf.check?.file).toBe('/w/second.json');
    expect(wf.path).toBe('/w/second.json');
    expect(wf.loading).toBe(false);
  });

  it('shows an unreadable file with what to do, and clears the old table', async () => {
    const wf = setup();
    vi.mocked(api.workflowCheck).mockResolvedValueOnce(workflowCheck([requiredModel()]));
    await wf.open('/w/a.json');
    vi.mocked(api.workflowCheck).mockRejectedValueOnce({ code: 'invalid_file', message: '/w/b.json is not a workflow Synapse can read: no nodes', details: {} });
    await wf.open('/w/b.json');
    expect(wf.check).toBeNull();
    expect(wf.error).toContain('no nodes — open a ComfyUI workflow');
  });

  it('drops a UI target that was removed since it was chosen', async () => {
    const targets = new UiTargetsState();
    vi.mocked(api.uiTargets).mockResolvedValue({ ui_targets: [uiTarget({ name: 'comfy' })] });
    const wf = new WorkflowState(targets);
    vi.mocked(api.workflowCheck).mockResolvedValue(workflowCheck([]));
    await wf.open('/w/a.json');
    expect(wf.ui).toBe('comfy');
    vi.mocked(api.uiTargets).mockResolvedValue({ ui_targets: [] });
    await targets.load();
    await wf.refresh();
    expect(api.workflowCheck).toHaveBeenLastCalledWith('/w/a.json', null);
  });

  it('keeps "No UI target" once chosen, for the next workflow too', async () => {
    const wf = setup();
    vi.mocked(api.workflowCheck).mockResolvedValue(workflowCheck([]));
    await wf.open('/w/a.json');
    await wf.chooseUi(null);
    await wf.open('/w/b.json');
    expect(api.workflowCheck).toHaveBeenLastCalledWith('/w/b.json', null);
    await wf.chooseUi('forge');
    await wf.open('/w/c.json');
    expect(api.workflowCheck).toHaveBeenLastCalledWith('/w/c.json', 'forge');
  });

  it('offers to remove the links Make runnable recorded for this workflow, and removes exactly those', async () => {
    const wf = setup([uiTarget({ name: 'comfy', active_packs: ['Juggernaut_XL', 'workflow:portrait.json'] }), uiTarget({ name: 'forge' })]);
    vi.mocked(api.workflowCheck).mockResolvedValue(workflowCheck([]));
    vi.mocked(api.unusePack).mockResolvedValue({ pack: 'workflow:portrait.json', dry_run: false, removed: [], kept_for_other_packs: [], already_gone: [], changed: [], dirs_removed: [] });
    await wf.open('/w/other.json');
    expect(wf.linkedLabel).toBeNull();
    await wf.open('/w/portrait.json');
    expect(wf.linkedLabel).toBe('workflow:portrait.json');
    await wf.chooseUi('forge');
    expect(wf.linkedLabel).toBeNull();
    await wf.chooseUi('comfy');
    const reads = vi.mocked(api.uiTargets).mock.calls.length;
    await wf.unlink();
    expect(api.unusePack).toHaveBeenCalledWith('workflow:portrait.json', 'comfy');
    // The targets and the table are read again.
    expect(vi.mocked(api.uiTargets).mock.calls.length).toBe(reads + 1);
    expect(api.workflowCheck).toHaveBeenLastCalledWith('/w/portrait.json', 'comfy');
  });
});
