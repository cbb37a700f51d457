/**
 * Server mode's token in the page (issue 9, finding 7): taken from the first URL, gone from the address
 * bar at once, kept in this tab's sessionStorage (one origin, so one port) so that a reload still connects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { takeAccessToken } from '../../renderer/transport/access-token.js';

afterEach(() => {
  window.sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

describe('the server-mode access token', () => {
  it('is read from the first URL and removed from the address bar, other parameters and the hash kept', () => {
    window.history.replaceState({ kept: 1 }, '', '/?token=first-launch-token&lang=mi#top');
    expect(takeAccessToken(window)).toBe('first-launch-token');
    expect(window.location.search).toBe('?lang=mi');
    expect(window.location.hash).toBe('#top');
    expect(window.location.href).not.toContain('first-launch-token');
    expect(window.history.state).toEqual({ kept: 1 });
  });

  it('survives a reload of the clean URL', () => {
    window.history.replaceState(null, '', '/?token=abc');
    expect(takeAccessToken(window)).toBe('abc');
    window.history.replaceState(null, '', '/');
    expect(takeAccessToken(window)).toBe('abc');
  });

  it('gives way to the token of a new URL (a new launch of kaituhi serve)', () => {
    window.history.replaceState(null, '', '/?token=old');
    takeAccessToken(window);
    window.history.replaceState(null, '', '/?token=new');
    expect(takeAccessToken(window)).toBe('new');
    window.history.replaceState(null, '', '/');
    expect(takeAccessToken(window)).toBe('new');
  });

  it('is null when the page was opened without one', () => {
    window.history.replaceState(null, '', '/');
    expect(takeAccessToken(window)).toBeNull();
  });

  it('still works for this page load where storage is refused', () => {
    const refusing = {
      location: window.location,
      history: window.history,
      get sessionStorage(): Storage {
        throw new DOMException('denied', 'SecurityError');
      },
    };
    window.history.replaceState(null, '', '/?token=xyz');
    expect(takeAccessToken(refusing)).toBe('xyz');
    expect(window.location.search).toBe('');
  });
});
