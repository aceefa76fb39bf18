import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/svelte';
import Box from '@lucide/svelte/icons/box';
import IconSprite from './icon-sprite.svelte';

describe('IconSprite', () => {
  it('turns each icon into a CSS mask class (no SVG per use), removed with the sprite', async () => {
    const { unmount } = render(IconSprite, { icons: { box: Box }, prefix: 'tst' });
    const style = () => document.head.querySelector<HTMLStyleElement>('style[data-icon-sprite="tst"]');
    await new Promise((r) => setTimeout(r, 0));
    const css = style()?.textContent ?? '';
    expect(css).toContain('.tst-icon{');
    expect(css).toMatch(/\.tst-box\{-webkit-mask-image:url\("data:image\/svg\+xml,%3Csvg[^"]*"\);mask-image:url\("data:image\/svg\+xml,/);
    const svg = decodeURIComponent(/\.tst-box\{-webkit-mask-image:url\("data:image\/svg\+xml,([^"]*)"/.exec(css)![1]);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('stroke="#000"');
    unmount();
    expect(style()).toBeNull();
  });
});
