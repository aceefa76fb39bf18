import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import * as api from '$lib/api';
import VerifyDialog from './verify-dialog.svelte';
import { TestId } from '$lib/testids';
import { item, sha } from '../../../test/fixtures';

vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  verify: vi.fn(),
}));

describe('VerifyDialog', () => {
  it('verifies the selection at once and lists invalid blobs with what was found', async () => {
    const sel = [item(), item()];
    vi.mocked(api.verify).mockResolvedValue({
      side: 'local',
      total: 2,
      valid: [sel[0].sha256],
      invalid: [{ sha256: sel[1].sha256, path: '/store/data/blobs/sha256/aa/x', expected: sel[1].sha256, actual: sha(999), error: null }],
      missing: [],
      bytes_verified: 3_000_000,
      duration_ms: 120,
    });
    render(VerifyDialog, { request: { scope: 'selected', items: sel }, backupConnected: true, onclose: vi.fn() });
    await waitFor(() => expect(screen.getByTestId(TestId.VerifyInvalid)).toBeInTheDocument());
    expect(api.verify).toHaveBeenCalledWith({ scope: 'blobs', sha256: sel.map((i) => i.sha256) }, expect.any(Object));
    expect(screen.getByTestId(TestId.VerifyDialog)).toHaveTextContent('1 of 2 models intact');
    expect(screen.getByTestId(TestId.VerifyInvalid)).toHaveTextContent(sha(999).slice(0, 16));
  });

  it('"all" asks which side first; the backup side needs the drive', async () => {
    vi.mocked(api.verify).mockResolvedValue({ side: 'local', total: 0, valid: [], invalid: [], missing: [], bytes_verified: 0, duration_ms: 1 });
    render(VerifyDialog, { request: { scope: 'all_local', items: [] }, backupConnected: false, onclose: vi.fn() });
    expect(screen.getByLabelText(/All models on the backup drive/)).toBeDisabled();
    await fireEvent.click(screen.getByRole('button', { name: /Verify$/ }));
    await waitFor(() => expect(screen.getByTestId(TestId.VerifyClose)).toBeInTheDocument());
    expect(api.verify).toHaveBeenCalledWith({ scope: 'all_local' }, expect.any(Object));
  });
});
