import { TOKEN_PARAM } from '../../electron/common/transport.js';

/** Where this tab keeps the token: sessionStorage is per origin (so per port) and per tab, and leaves with it. */
const STORAGE_KEY = 'kaituhi-access-token';

export interface TokenPlace {
  readonly location: Pick<Location, 'pathname' | 'search' | 'hash'>;
  readonly history: Pick<History, 'state' | 'replaceState'>;
  readonly sessionStorage: Pick<Storage, 'getItem' | 'setItem'>;
}

/**
 * Server mode's access token. It arrives once, in the URL `kaituhi serve` printed; the page takes it out of
 * the address bar at once (so it is not shown, bookmarked or shared with the link) and keeps it for this
 * tab, so a reload still connects. A token in the URL wins: it belongs to a newer launch.
 */
export function takeAccessToken(place: TokenPlace): string | null {
  const params = new URLSearchParams(place.location.search);
  const fromUrl = params.get(TOKEN_PARAM);
  if (fromUrl === null) return stored(place);
  params.delete(TOKEN_PARAM);
  const query = params.toString();
  place.history.replaceState(place.history.state, '', `${place.location.pathname}${query ? `?${query}` : ''}${place.location.hash}`);
  try {
    place.sessionStorage.setItem(STORAGE_KEY, fromUrl);
  } catch {
    // Storage refused (a private mode, a policy): this page load still connects; a reload will need the URL.
  }
  return fromUrl;
}

function stored(place: TokenPlace): string | null {
  try {
    return place.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}
