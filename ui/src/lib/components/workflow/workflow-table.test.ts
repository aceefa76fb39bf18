import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import WorkflowTable from './workflow-table.svelte';
import { TestId } from '$lib/testids';
import { candidate, requiredModel, workflowCheck } from '../../../test/fixtures';
import type { WorkflowCheck } from '$lib/api';

function setup(check: WorkflowCheck) {
  const onblob = vi.fn();
  render(WorkflowTable, { check, onblob });
  return { onblob };
}

const rowNamed = (name: string) => screen.getAllByTestId(TestId.WorkflowRow).find((r) => r.dataset.name === name)!;

describe('WorkflowTable', () => {
  it('counts the models by status at the top, leaving out statuses no model has', () => {
    setup(
      workflowCheck([
        requiredModel({ status: 'present' }),
        requiredModel({ status: 'present' }),
        requiredModel({ status: 'present' }),
        requiredModel({ status: 'on_backup' }),
        requiredModel({ status: 'missing' }),
      ]),
    );
    expect(screen.getByTestId(TestId.WorkflowCounts)).toHaveTextContent('5 models: 3 present, 1 on backup, 1 missing');
    expect(screen.getByTestId(TestId.WorkflowCounts).dataset.allPresent).toBe('false');
    expect(screen.getAllByTestId(TestId.WorkflowRow)).toHaveLength(5);
  });

  it('shows every status with its label, in the inventory badge colours, and where a backup copy is', () => {
    setup(
      workflowCheck([
        requiredModel({ name: 'a.safetensors', status: 'present' }),
        requiredModel({ name: 'b.safetensors', status: 'on_backup', on_targets: ['backup', 'Home NAS'] }),
        requiredModel({ name: 'c.safetensors', status: 'downloadable', url: 'https://huggingface.co/x/c.safetensors', url_source: 'workflow' }),
        requiredModel({ name: 'd.safetensors', status: 'missing' }),
        requiredModel({ name: 'e.safetensors', status: 'ambiguous', candidates: [candidate(), candidate()] }),
        requiredModel({ name: 'f.safetensors', status: 'unrecognised', kind: 'unknown', used_by: [{ id: '9', node: 'MysteryLoader', input: null }] }),
      ]),
    );
    const badge = (name: string) => within(rowNamed(name)).getByTestId(TestId.WorkflowStatus).querySelector('[data-status]')!;
    expect(badge('a.safetensors')).toHaveTextContent('Present');
    expect(badge('a.safetensors').className).toContain('text-success');
    expect(badge('b.safetensors')).toHaveTextContent('On backup');
    expect(badge('b.safetensors').className).toContain('text-info');
    expect(within(rowNamed('b.safetensors')).getByTestId(TestId.WorkflowStatus)).toHaveTextContent('on ‘backup’, ‘Home NAS’');
    expect(badge('c.safetensors')).toHaveTextContent('Downloadable');
    expect(within(rowNamed('c.safetensors')).getByTestId(TestId.WorkflowStatus)).toHaveTextContent('from huggingface.co');
    expect(badge('d.safetensors')).toHaveTextContent('Missing');
    expect(badge('d.safetensors').className).toContain('text-destructive');
    expect(badge('e.safetensors')).toHaveTextContent('Ambiguous');
    expect(badge('e.safetensors').className).toContain('bg-warning');
    expect(badge('f.safetensors')).toHaveTextContent('Unrecognised');
    expect(rowNamed('f.safetensors')).toHaveTextContent('MysteryLoader #9');
    expect(screen.getByTestId(TestId.WorkflowCounts)).toHaveTextContent('6 models: 1 present, 1 on backup, 1 downloadable, 1 missing, 1 ambiguous, 1 unrecognised');
  });

  it('opens the matched blob on click and says how it matched', async () => {
    const byHash = requiredModel({ name: 'juggernaut.safetensors', status: 'present' });
    byHash.blob!.matched_by = 'hash';
    const { onblob } = setup(workflowCheck([byHash, requiredModel({ name: 'x.safetensors', status: 'missing' })]));
    const row = rowNamed('juggernaut.safetensors');
    expect(within(row).getByTestId(TestId.WorkflowMatch).dataset.matchedBy).toBe('hash');
    expect(within(row).getByTestId(TestId.WorkflowMatch)).toHaveTextContent('Hash');
    await fireEvent.click(within(within(row).getByTestId(TestId.WorkflowBlob)).getByRole('button'));
    expect(onblob).toHaveBeenCalledWith(byHash.blob!.sha256);
    // A missing model has no blob to open.
    expect(within(within(rowNamed('x.safetensors')).getByTestId(TestId.WorkflowBlob)).queryByRole('button')).toBeNull();
    expect(within(rowNamed('x.safetensors')).getByTestId(TestId.WorkflowMatch).dataset.matchedBy).toBe('');
  });

  it('lists the candidates of an ambiguous model, each opening its blob, and where each is', async () => {
    const one = candidate({ display_name: 'detail.safetensors', kind: 'lora', on_local: true, on_targets: [] });
    const two = candidate({ display_name: 'detail.safetensors', kind: 'lora', on_local: false, on_targets: ['backup'] });
    const { onblob } = setup(workflowCheck([requiredModel({ name: 'detail.safetensors', kind: 'lora', status: 'ambiguous', candidates: [one, two] })]));
    expect(within(rowNamed('detail.safetensors')).getByTestId(TestId.WorkflowStatus)).toHaveTextContent('2 candidates');
    const listed = screen.getAllByTestId(TestId.WorkflowCandidate);
    expect(listed.map((c) => c.dataset.sha256)).toEqual([one.sha256, two.sha256]);
    expect(listed[0]).toHaveTextContent('on this disk');
    expect(listed[1]).toHaveTextContent('on ‘backup’');
    await fireEvent.click(within(listed[1]).getByRole('button'));
    expect(onblob).toHaveBeenCalledWith(two.sha256);
  });

  it('says why a same-named blob was turned down', () => {
    setup(
      workflowCheck([
        requiredModel({ name: 'vae.safetensors', status: 'missing', candidates: [candidate({ display_name: 'vae.safetensors', rejected: 'same name, another hash (abcdef012345): another version of the file?' })] }),
      ]),
    );
    const c = screen.getByTestId(TestId.WorkflowCandidate);
    expect(c.dataset.rejected).toBe('true');
    expect(c).toHaveTextContent('another version of the file?');
    expect(screen.getByTestId(TestId.WorkflowCandidates)).toHaveTextContent('Considered and turned down');
  });

  it('shows the links column only for a chosen UI, and says when everything is ready there', () => {
    setup(workflowCheck([requiredModel({ name: 'a.safetensors', linked: true }), requiredModel({ name: 'b.safetensors', linked: true })], { ui: 'comfy' }));
    expect(screen.getByRole('columnheader', { name: 'In comfy' })).toBeInTheDocument();
    expect(screen.getAllByTestId(TestId.WorkflowLinked).map((c) => c.dataset.linked)).toEqual(['true', 'true']);
    expect(screen.getByTestId(TestId.WorkflowCounts)).toHaveTextContent('everything is here and linked in comfy');
  });

  it('marks present models not linked in the UI, and leaves the others blank', () => {
    setup(workflowCheck([requiredModel({ name: 'a.safetensors', linked: false }), requiredModel({ name: 'b.safetensors', status: 'missing' })], { ui: 'comfy' }));
    expect(within(rowNamed('a.safetensors')).getByTestId(TestId.WorkflowLinked)).toHaveTextContent('Not linked');
    expect(within(rowNamed('b.safetensors')).getByTestId(TestId.WorkflowLinked).dataset.linked).toBe('');
  });

  it('without a UI has no links column', () => {
    setup(workflowCheck([requiredModel()]));
    expect(screen.queryByTestId(TestId.WorkflowLinked)).toBeNull();
    expect(screen.getByTestId(TestId.WorkflowCounts)).toHaveTextContent('1 model: 1 present — everything is on this disk.');
  });

  it('shows unsafe names flagged, hashes and the warnings about the file', () => {
    setup(
      workflowCheck(
        [
          requiredModel({
            name: 'etc/passwd.safetensors',
            status: 'missing',
            name_warning: "the name had '..' components",
            hash: { value: '6ce0161689', algorithm: 'auto_v2', checked: true },
            notes: ["the name had '..' components"],
          }),
        ],
        { warnings: ['config.json workflow.loaders[0] has no node or no input: skipped'] },
      ),
    );
    const row = rowNamed('etc/passwd.safetensors');
    expect(row).toHaveTextContent("the name had '..' components");
    // The warning is not repeated as a note.
    expect(row.textContent!.split("the name had '..' components")).toHaveLength(2);
    expect(row).toHaveTextContent('AutoV2 6ce0161689');
    expect(screen.getByTestId(TestId.WorkflowWarnings)).toHaveTextContent('workflow.loaders[0]');
  });

  it('says so when the workflow names no model', () => {
    setup(workflowCheck([]));
    expect(screen.getByTestId(TestId.WorkflowCounts)).toHaveTextContent('No models');
    expect(screen.queryAllByTestId(TestId.WorkflowRow)).toHaveLength(0);
  });
});
