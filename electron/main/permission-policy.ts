import { isAppUrl } from './url-policy.js';

/**
 * What the page may ask Chromium for. Only the clipboard, which the editor's Cut/Copy/Paste need, and only
 * for our own app:// page. Camera, microphone, notifications, geolocation, MIDI… are always refused.
 */
const EDITOR_PERMISSIONS = new Set(['clipboard-read', 'clipboard-sanitized-write']);

export function isPermissionGranted(permission: string, requestingUrl: string | undefined): boolean {
  return EDITOR_PERMISSIONS.has(permission) && requestingUrl !== undefined && isAppUrl(requestingUrl);
}
