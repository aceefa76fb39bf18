import { describe, expect, it } from 'vitest';
import { activeInLabel, packStorage, storageLabels } from './storage';
import { item } from '../../../test/fixtures';

describe('pack storage status', () => {
  const both = item({ location: 'both' });
  const local = item({ location: 'local_only' });
  const backup = item({ location: 'backup_only', status: 'backup_only' });
  const bySha = new Map([both, local, backup].map((i) => [i.sha256, i]));
  const blob = (sha256: string, on_local = true) => ({ sha256, on_local });

  it('"3/3 synced" when every blob is on both sides', () => {
    const s = packStorage([blob(both.sha256), blob(both.sha256), blob(both.sha256)], bySha);
    expect(storageLabels(s)).toEqual([{ text: '3/3 synced', tone: 'success' }]);
  });
  it('lists local only, backup only and missing', () => {
    const s = packStorage([blob(both.sha256), blob(local.sha256), blob(local.sha256), blob(backup.sha256, false), blob('f'.repeat(64), false)], bySha);
    expect(storageLabels(s).map((p) => p.text)).toEqual(['1/5 synced', '2 local only', '1 backup only', '1 missing']);
  });
  it('a blob unknown to the inventory counts by its local flag', () => {
    const s = packStorage([blob('e'.repeat(64), true)], new Map());
    expect(s.localOnly).toBe(1);
  });
});

describe('active in', () => {
  it('a UI target by its name, an adopted folder by its last two parts with the whole path as title', () => {
    expect(activeInLabel('comfyui')).toEqual({ text: 'comfyui', title: 'Linked into comfyui' });
    expect(activeInLabel('/home/u/ComfyUI/models')).toEqual({ text: '…/ComfyUI/models', title: 'Linked from /home/u/ComfyUI/models' });
    expect(activeInLabel('/models')).toEqual({ text: '/models', title: 'Linked from /models' });
  });
});
