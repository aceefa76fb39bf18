import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import TargetCard from './target-card.svelte';
import { TestId } from '$lib/testids';
import { bucketTarget, targetSummary } from '../../../test/fixtures';

describe('TargetCard', () => {
  it('connected: contents, free space and a Scrub button for that target', async () => {
    const onscrub = vi.fn();
    render(TargetCard, { props: { target: targetSummary(), onscrub, onsettings: vi.fn() } });
    const card = screen.getByTestId(TestId.TargetCard);
    expect(card.dataset.target).toBe('Home NAS');
    expect(card.dataset.state).toBe('connected');
    expect(card).toHaveTextContent('Home NAS');
    expect(card).toHaveTextContent('2 models on this target');
    expect(screen.getByTestId(TestId.TargetCardFree)).toHaveTextContent('300 GB free');
    await fireEvent.click(screen.getByTestId(TestId.TargetCardScrub));
    expect(onscrub).toHaveBeenCalledWith('Home NAS');
  });

  it('the live state from the watcher wins over the summary: a hung mount says it does not answer', () => {
    render(TargetCard, { props: {
      target: targetSummary(),
      live: { name: 'Home NAS', primary: false, state: 'unresponsive', path: '/mnt/nas/synapse', reason: '/mnt/nas/synapse did not answer within 5 s' },
      onscrub: vi.fn(),
      onsettings: vi.fn(),
    } });
    const card = screen.getByTestId(TestId.TargetCard);
    expect(card.dataset.state).toBe('unresponsive');
    expect(screen.getByTestId(TestId.TargetCardState)).toHaveTextContent('Not answering');
    expect(screen.getByTestId(TestId.TargetCardReason)).toHaveTextContent('did not answer within 5 s');
    expect(card).toHaveTextContent('(from its catalog)');
    expect(screen.queryByTestId(TestId.TargetCardScrub)).toBeNull();
    expect(screen.queryByTestId(TestId.TargetCardFree)).toBeNull();
  });

  it('unplugged: amber, the reason, the catalog contents; switched off: a link to Settings', async () => {
    const { unmount } = render(TargetCard, { props: {
      target: targetSummary({ state: 'disconnected', connected: false, source: 'cached', error: '/mnt/nas/synapse does not exist (is the drive mounted?)', free_bytes: null }),
      onscrub: vi.fn(),
      onsettings: vi.fn(),
    } });
    expect(screen.getByTestId(TestId.TargetCard).className).toContain('border-warning');
    expect(screen.getByTestId(TestId.TargetCardReason)).toHaveTextContent('is the drive mounted?');
    unmount();
    const onsettings = vi.fn();
    render(TargetCard, { props: { target: targetSummary({ state: 'disabled', enabled: false }), onscrub: vi.fn(), onsettings } });
    expect(screen.getByTestId(TestId.TargetCardState)).toHaveTextContent('Off');
    await fireEvent.click(screen.getByRole('button', { name: /Settings/ }));
    expect(onsettings).toHaveBeenCalled();
  });

  it('a bucket: a cloud icon, online, its s3:// address, no free-space bar', () => {
    render(TargetCard, { props: { target: bucketTarget({ free_bytes: 1, total_bytes: 2 }), onscrub: vi.fn(), onsettings: vi.fn() } });
    const card = screen.getByTestId(TestId.TargetCard);
    expect(card.dataset.kind).toBe('s3');
    expect(screen.getByTestId(TestId.TargetCardState)).toHaveTextContent('Online');
    expect(screen.getByTestId(TestId.TargetCardCloud)).toHaveClass('lucide-cloud');
    expect(card).toHaveTextContent('s3://models/synapse');
    expect(screen.queryByTestId(TestId.TargetCardFree)).toBeNull();
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.queryByTestId(TestId.TargetCardReadOnly)).toBeNull();
  });

  it('a bucket that does not answer: offline with the reason, from its last listing; read only when another store owns it', () => {
    render(TargetCard, { props: {
      target: bucketTarget({ read_only: true }),
      live: { name: 'Cloud', primary: false, state: 'disconnected', path: 's3://models/synapse', reason: 'nothing answered at http://nas.local:9000' },
      onscrub: vi.fn(),
      onsettings: vi.fn(),
    } });
    expect(screen.getByTestId(TestId.TargetCardState)).toHaveTextContent('Offline');
    expect(screen.getByTestId(TestId.TargetCardCloud)).toHaveClass('lucide-cloud-off');
    expect(screen.getByTestId(TestId.TargetCardReason)).toHaveTextContent('nothing answered');
    expect(screen.getByTestId(TestId.TargetCard)).toHaveTextContent('(from its last listing)');
    expect(screen.getByTestId(TestId.TargetCardReadOnly)).toHaveTextContent("Read only: another store's prefix");
  });
});
