import { describe, expect, it } from 'vitest';
import { countsLine, describeFile, hostOf, isWorkflowPath, statusDetail } from './present';
import { requiredModel } from '../../../test/fixtures';

const zero = { present: 0, on_backup: 0, downloadable: 0, missing: 0, ambiguous: 0, unrecognised: 0 };

describe('workflow presentation', () => {
  it('counts line: the total, then each status that occurs, in one order', () => {
    expect(countsLine({ ...zero, present: 3, on_backup: 1, missing: 1 })).toBe('5 models: 3 present, 1 on backup, 1 missing');
    expect(countsLine({ ...zero, unrecognised: 1, present: 1 })).toBe('2 models: 1 present, 1 unrecognised');
    expect(countsLine({ ...zero, missing: 1 })).toBe('1 model: 1 missing');
    expect(countsLine(zero)).toMatch(/^No models/);
  });

  it('takes .json and .png files, in any case, and nothing else', () => {
    expect(isWorkflowPath('/a/b/workflow.json')).toBe(true);
    expect(isWorkflowPath('/a/b/ComfyUI_0001.PNG')).toBe(true);
    expect(isWorkflowPath('/a/b/model.safetensors')).toBe(false);
    expect(isWorkflowPath('/a/json')).toBe(false);
  });

  it('names the file format and the PNG it came from', () => {
    expect(describeFile({ format: 'comfyui_api', from_png: false })).toBe('ComfyUI workflow (API format)');
    expect(describeFile({ format: 'infotext', from_png: true })).toBe('A1111 / Forge generation parameters, read from a PNG');
  });

  it('status detail: the targets of a backup copy, the host of a download', () => {
    expect(statusDetail(requiredModel({ status: 'on_backup', on_targets: ['backup'] }))).toBe('on ‘backup’');
    expect(statusDetail(requiredModel({ status: 'downloadable', url: 'https://civitai.com/api/download/models/1', url_source: 'pack_lock' }))).toBe('from civitai.com (a pack’s lock)');
    expect(statusDetail(requiredModel({ status: 'present' }))).toBeNull();
    expect(hostOf('not a url')).toBe('not a url');
  });
});
