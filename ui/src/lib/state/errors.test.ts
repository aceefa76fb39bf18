import { describe, expect, it } from 'vitest';
import { describeError, errorCode, toUiError } from './errors';

describe('error table', () => {
  it('maps a wire error code to a title and an action, keeping the message', () => {
    const u = toUiError({ code: 'backup_not_connected', message: 'backup drive not connected: /media/x does not exist', details: {} });
    expect(u.title).toBe('Backup drive not connected');
    expect(u.text).toBe('backup drive not connected: /media/x does not exist — Plug in and mount the drive, then try again.');
  });
  it('turns anything thrown into something to show', () => {
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError('plain string')).toBe('plain string');
    expect(errorCode({ code: 'cancelled', message: 'cancelled', details: {} })).toBe('cancelled');
  });
});

describe('wire errors of the several-targets release', () => {
  it('keeps below_min_copies and unresponsive as themselves, not io', async () => {
    const { toWireError } = await import('$lib/api/errors');
    for (const code of ['below_min_copies', 'unresponsive'] as const) {
      const e = toWireError({ code, message: `${code} message`, details: { blobs: 3 } });
      expect(e.code).toBe(code);
      expect(e.message).toBe(`${code} message`);
      expect(toUiError(e).title).not.toBe(toUiError({ code: 'io', message: 'x', details: {} }).title);
    }
  });
});
