import { describe, expect, it } from 'vitest';
import { hasProviderOrigin, identifySummary, modelTitle, unidentified, versionCounts } from './identify';
import { identifyItem, identifyResult, item, metadata, sha } from '../../../test/fixtures';

describe('identifySummary words each outcome (SPEC §3.14)', () => {
  it('found: names how many, and those answered from earlier answers', () => {
    const s = identifySummary(identifyResult([identifyItem(), identifyItem({ sha256: sha(901), source: 'cache' })]));
    expect(s.tone).toBe('success');
    expect(s.title).toBe('Identified 2 models');
    expect(s.lines[0]).toBe('2 models identified (1 from earlier answers, not asked again).');
  });

  it('not found is not an error: a private or self-trained model', () => {
    const s = identifySummary(identifyResult([identifyItem({ status: 'not_found', metadata: null })]));
    expect(s.tone).toBe('success');
    expect(s.title).toBe('Civitai knows none of them');
    expect(s.lines).toEqual(['1 model Civitai does not know (a private or self-trained model, or one never uploaded there).']);
  });

  it('failed: a warning that says they are asked again next time', () => {
    const s = identifySummary(identifyResult([identifyItem(), identifyItem({ sha256: sha(902), status: 'failed', source: null, metadata: null, message: 'Civitai answered HTTP 500' })]));
    expect(s.tone).toBe('warning');
    expect(s.title).toBe('Identified 1 of 2');
    expect(s.lines).toContain('1 model could not be identified: Civitai\'s answer failed. They are asked again next time.');
  });

  it('offline with nothing asked: nothing was sent, try again when online', () => {
    const items = [identifyItem({ status: 'not_asked', source: null, metadata: null }), identifyItem({ sha256: sha(903), status: 'not_asked', source: null, metadata: null })];
    const s = identifySummary(identifyResult(items, { offline: 'Civitai (http://127.0.0.1:9) could not be reached: the connection was refused.' }));
    expect(s.tone).toBe('error');
    expect(s.title).toBe('Civitai could not be reached');
    expect(s.lines[0]).toBe('Civitai could not be reached: nothing was sent; try again when online.');
  });

  it('offline after some answers: says which were answered and how many were not asked', () => {
    const items = [identifyItem(), identifyItem({ sha256: sha(904), status: 'not_asked', source: null, metadata: null })];
    const s = identifySummary(identifyResult(items, { offline: 'refused' }));
    expect(s.lines[0]).toBe('Civitai could not be reached: 1 model answered before the connection was lost, the other 1 were not asked; try again when online.');
  });

  it('skipped models say why and how to ask anyway; an empty run says nothing needed asking', () => {
    const s = identifySummary(identifyResult([identifyItem({ status: 'skipped', source: null, metadata: null })]));
    expect(s.lines[0]).toMatch(/already had a name from a pack or its manifest.*Ask again/);
    expect(identifySummary(identifyResult([])).title).toBe('Nothing to identify');
  });
});

describe('unidentified and modelTitle', () => {
  it('a model is unidentified without Civitai answer and without a provider origin', () => {
    expect(unidentified(item())).toBe(true);
    expect(unidentified(item({ metadata: metadata() }))).toBe(false);
    expect(unidentified(item({ origin: { provider: 'civitai', model_id: 1, version_id: null, file_id: null, filename: null, repo_id: null } }))).toBe(false);
    // A local file or a bare URL names nothing.
    expect(hasProviderOrigin({ provider: 'local', model_id: null, version_id: null, file_id: null, filename: 'x.safetensors', repo_id: null })).toBe(false);
    expect(hasProviderOrigin({ provider: 'huggingface', model_id: null, version_id: null, file_id: null, filename: null, repo_id: 'org/repo' })).toBe(true);
  });

  it('names the model and its version', () => {
    expect(modelTitle(metadata())).toBe('Juggernaut XL — Jugg_X_RunDiffusion');
    expect(modelTitle(metadata({ version_name: null }))).toBe('Juggernaut XL');
    expect(modelTitle(null)).toBeNull();
  });
});

describe('versionCounts', () => {
  it('counts the models of the store per Civitai model id', () => {
    const counts = versionCounts([item({ metadata: metadata({ model_id: 1 }) }), item({ metadata: metadata({ model_id: 1, version_id: 2 }) }), item({ metadata: metadata({ model_id: 5 }) }), item()]);
    expect([...counts]).toEqual([
      [1, 2],
      [5, 1],
    ]);
  });
});
