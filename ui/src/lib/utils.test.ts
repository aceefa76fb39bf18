import { describe, expect, it } from 'vitest';
import { count, formatBytes, plural } from './utils';
import { kindInfo, packTypeLabel } from './components/inventory/present';

describe('one vocabulary (issue 11)', () => {
  it('numbers have thousands separators; "1 reference", "2 references"', () => {
    expect(count(20005)).toBe('20,005');
    expect(count(20005n)).toBe('20,005');
    expect(plural(1, 'reference')).toBe('1 reference');
    expect(plural(19500, 'model')).toBe('19,500 models');
  });

  it('sizes in decimal units, the same rule as the CLI (`output::size`)', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(3000)).toBe('3.0 kB');
    expect(formatBytes(150_000_000)).toBe('150 MB');
    expect(formatBytes(6_800_000_000)).toBe('6.8 GB');
  });

  it('a kind has one label, and a pack type that names a kind shows that label', () => {
    expect(kindInfo.diffusion_model.label).toBe('Diffusion model');
    expect(packTypeLabel('diffusion_model')).toBe('Diffusion model');
    expect(packTypeLabel('workflow')).toBe('workflow');
    expect(packTypeLabel(null)).toBe('—');
  });
});
