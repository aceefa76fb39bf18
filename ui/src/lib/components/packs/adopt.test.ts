import { describe, expect, it } from 'vitest';
import type { AdoptResult } from '$lib/api';
import { adoptSummary, appendPaths, parsePaths } from './adopt';

const result = (over: Partial<AdoptResult>): AdoptResult =>
  ({ files_found: 3, packs_created: ['a'], blobs_added: 1, bytes_added: 1000, link: false, files_linked: 0, bytes_freed: 0, errors: [], cancelled: false, blobs: [], ...over }) as AdoptResult;

describe('adopt helpers', () => {
  it('parsePaths keeps one trimmed path per line, without blanks or repeats', () => {
    expect(parsePaths(' /a \r\n\n/b\n/a\n  ')).toEqual(['/a', '/b']);
    expect(appendPaths('/a', ['/b', '/a'])).toBe('/a\n/b');
  });

  it('adoptSummary says cancelled, errors or success', () => {
    expect(adoptSummary(result({})).title).toBe('Folder adopted');
    expect(adoptSummary(result({ errors: [{ sha256: null, path: '/x', code: 'io', message: 'denied' }] as AdoptResult['errors'] })).title).toBe('Adopted with errors');
    expect(adoptSummary(result({ cancelled: true })).kind).toBe('info');
    expect(adoptSummary(result({ link: true, files_linked: 2, bytes_freed: 5000 })).detail).toContain('2 originals replaced by links, 5.0 kB freed');
  });
});
