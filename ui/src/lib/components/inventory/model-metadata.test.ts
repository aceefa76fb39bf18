import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import ModelMetadataSection from './model-metadata.svelte';
import { Previews } from '$lib/state/previews.svelte';
import { TestId } from '$lib/testids';
import { metadata, sha } from '../../../test/fixtures';

describe('the model detail’s Civitai section', () => {
  it('shows the model and version, base model and trigger words; each word and all of them copy', async () => {
    const copyText = vi.fn(() => Promise.resolve());
    const meta = metadata({ model_name: 'Detail Tweaker', version_name: 'v1.0', base_model: 'SD 1.5', trained_words: ['add_detail', 'sharp focus'] });
    render(ModelMetadataSection, { sha256: sha(1), meta, previews: new Previews(() => Promise.resolve(null)), copyText });
    expect(screen.getByTestId(TestId.DetailModelName)).toHaveTextContent('Detail Tweaker — v1.0');
    expect(screen.getByTestId(TestId.DetailBaseModel)).toHaveTextContent('SD 1.5');
    expect(screen.getAllByTestId(TestId.DetailTriggerWord).map((w) => w.textContent)).toEqual(['add_detail', 'sharp focus']);
    await fireEvent.click(screen.getByRole('button', { name: 'Copy trigger word sharp focus' }));
    expect(copyText).toHaveBeenLastCalledWith('sharp focus');
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('“sharp focus” copied'));
    await fireEvent.click(screen.getByTestId(TestId.DetailTriggerCopyAll));
    expect(copyText).toHaveBeenLastCalledWith('add_detail, sharp focus');
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('All trigger words copied'));
  });

  it('says so when the clipboard refuses', async () => {
    const copyText = vi.fn(() => Promise.reject(new Error('denied')));
    render(ModelMetadataSection, { sha256: sha(2), meta: metadata({ trained_words: ['x'] }), previews: new Previews(() => Promise.resolve(null)), copyText });
    await fireEvent.click(screen.getByTestId(TestId.DetailTriggerCopy));
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('Could not copy to the clipboard'));
  });

  it('loads the preview by hash, with a placeholder meanwhile, and shows "No preview" without one', async () => {
    let resolve: (url: string | null) => void = () => {};
    const load = vi.fn(() => new Promise<string | null>((r) => (resolve = r)));
    const previews = new Previews(load);
    const { unmount } = render(ModelMetadataSection, { sha256: sha(3), meta: metadata({ preview: '/store/data/cache/previews/x.jpg' }), previews });
    expect(load).toHaveBeenCalledWith(sha(3));
    expect(screen.getByTestId(TestId.DetailPreview).dataset.state).toBe('loading');
    resolve('data:image/png;base64,iVBORw0KGgo=');
    await waitFor(() => expect(screen.getByTestId(TestId.DetailPreview).dataset.state).toBe('ready'));
    expect(screen.getByRole('img')).toHaveAttribute('src', 'data:image/png;base64,iVBORw0KGgo=');
    unmount();

    const none = vi.fn(() => Promise.resolve(null));
    render(ModelMetadataSection, { sha256: sha(4), meta: metadata({ preview: null, trained_words: [] }), previews: new Previews(none) });
    expect(none).not.toHaveBeenCalled();
    expect(screen.getByTestId(TestId.DetailPreview)).toHaveTextContent('No preview');
    expect(screen.getByText('Civitai lists no trigger words for this version.')).toBeInTheDocument();
  });
});
