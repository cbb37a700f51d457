/**
 * What the server fuzzer sends: malformed and hostile HTTP requests as raw bytes, WebSocket messages that
 * are broken or ask for what must be refused, and broken WebSocket frames. Each case says what the server
 * owes it, so the test can check every answer, not only that the server survived.
 */
import fc from 'fast-check';
import { DEFAULT_SAMPLER } from '../../../electron/engine/types.js';
import { MAX_CLIENT_FRAME_CHARS, MAX_TEXT_CHARS } from '../../../electron/shared/validators.js';
import { MAX_DRAFT_CHARS } from '../../../electron/common/drafts.js';

export interface Target {
  readonly port: number;
  readonly token: string;
}

// ---------------------------------------------------------------- HTTP

/** Pieces that have broken URL parsers, path resolvers and header readers before. */
const NASTY = [
  '/',
  '//',
  '.',
  '..',
  '%',
  '%%',
  '%2e',
  '%2E%2e',
  '%2f',
  '%5c',
  '%00',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '?',
  '#',
  '\\',
  ':',
  '@',
  '&',
  '=',
  ';',
  '~',
  '*',
  '"',
  "'",
  '<',
  '>',
  '中',
  '😀',
  '\u202e',
  '\uffff',
  '\ud800',
  ' ',
  '\t',
  '\0',
  'token=',
  'api',
  'assets',
  'index.html',
  'secret.txt',
];

const nastyText = (maxLength: number) =>
  fc.oneof(
    fc.array(fc.constantFrom(...NASTY), { maxLength }).map((parts) => parts.join('')),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
  );

function targets({ port, token }: Target): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '/',
      '//',
      '///',
      '/api',
      '//api',
      '/api/',
      '/API',
      '/index.html',
      '/assets/app.js',
      '/assets/',
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/%',
      '/%00',
      '/?token=',
      '/?token=%',
      `/?token=${token}x`,
      `/api?token=${token.slice(1)}`,
      `/api?token=${token}`,
      `/api?token=${token}&token=x`,
      `/api?token=x&token=${token}`,
      `//api?token=${token}`,
      `/api/?token=${token}`,
      `/api?token=${encodeURIComponent(token)}%00`,
      '*',
      '',
      `http://127.0.0.1:${port}/`,
      `http://127.0.0.1:${port}/api?token=${token}`,
      'http://evil.example/',
      'https://evil.example:443/api',
      '127.0.0.1:80',
    ),
    nastyText(24).map((text) => `/${text}`),
    nastyText(24),
    fc.nat(9000).map((n) => `/${'a'.repeat(n)}`),
    fc.nat(3000).map((n) => `/${'../'.repeat(n)}secret.txt`),
  );
}

function hostValues({ port }: Target): fc.Arbitrary<string> {
  return fc.constantFrom(
    `127.0.0.1:${port}`,
    `localhost:${port}`,
    `LOCALHOST:${port}`,
    `127.0.0.1:${port + 1}`,
    `127.0.0.1`,
    `[::1]:${port}`,
    `127.0.0.1.:${port}`,
    `evil.example`,
    `evil.example:${port}`,
    `127.0.0.1:${port}@evil.example`,
    ``,
    ` `,
    `${'a'.repeat(3000)}:${port}`,
    `中文:${port}`,
    `127.0.0.1:${port}\0`,
  );
}

function headerLines(target: Target): fc.Arbitrary<string[]> {
  const { port, token } = target;
  const origin = fc.constantFrom(
    `http://127.0.0.1:${port}`,
    `http://localhost:${port}`,
    `HTTP://127.0.0.1:${port}`,
    `http://127.0.0.1:${port}/`,
    `https://127.0.0.1:${port}`,
    'null',
    'http://evil.example',
    '',
  );
  const one = fc.oneof(
    hostValues(target).map((host) => `Host: ${host}`),
    origin.map((value) => `Origin: ${value}`),
    fc.constantFrom('Upgrade', 'upgrade', 'close', 'keep-alive', 'Upgrade, close', '').map((value) => `Connection: ${value}`),
    fc.constantFrom('websocket', 'WebSocket', 'h2c', 'websocket, h2c', '').map((value) => `Upgrade: ${value}`),
    fc.constantFrom('13', '8', '14', '', '13, 8', '-1').map((value) => `Sec-WebSocket-Version: ${value}`),
    fc
      .constantFrom('dGhlIHNhbXBsZSBub25jZQ==', '', 'short', '%%%%', 'dGhlIHNhbXBsZSBub25jZQ'.repeat(40))
      .map((value) => `Sec-WebSocket-Key: ${value}`),
    fc
      .constantFrom('permessage-deflate', 'permessage-deflate; client_max_window_bits=0', 'x; y=1')
      .map((value) => `Sec-WebSocket-Extensions: ${value}`),
    fc
      .constantFrom('0', '5', '-1', '1e9', 'abc', '18446744073709551616', '4294967296', ' 7', '0, 5', '00000000000000000001')
      .map((value) => `Content-Length: ${value}`),
    fc
      .constantFrom('chunked', 'chunked, gzip', 'gzip', 'identity', ' chunked', 'chunked\u0000')
      .map((value) => `Transfer-Encoding: ${value}`),
    fc
      .constantFrom(
        `kaituhi_token_${port}=%`,
        `kaituhi_token_${port}=${token}`,
        `token=${token}`,
        '=',
        ';;;',
        '%E0%A4%A=%',
        'a='.repeat(500),
      )
      .map((value) => `Cookie: ${value}`),
    fc.constantFrom('100-continue', 'nonsense').map((value) => `Expect: ${value}`),
    fc.constantFrom('bytes=0-', 'bytes=-1', 'bytes=99999999999-').map((value) => `Range: ${value}`),
    fc.tuple(nastyText(12), nastyText(40)).map(([name, value]) => `${name}: ${value}`),
    nastyText(60),
    fc.nat(20_000).map((n) => `X-Long: ${'v'.repeat(n)}`),
    fc.constant(' folded continuation'),
  );
  return fc.array(one, { maxLength: 12 });
}

/** One request as raw bytes, and whether it carried the token (the only way to a 101). */
export interface HttpCase {
  readonly bytes: Buffer;
  readonly carriesToken: boolean;
}

export function httpCases(target: Target): fc.Arbitrary<HttpCase> {
  const method = fc.oneof(
    fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PRI', 'get', 'GeT', 'BREW', ''),
    nastyText(8),
  );
  const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.1 ', 'http/1.1', 'HTTP/1.10', 'HTTP/', '');
  const lineEnd = fc.constantFrom('\r\n', '\n', '\r', '\r\r\n');
  const body = fc.oneof(
    fc.constant(''),
    fc.string({ unit: 'binary', maxLength: 2000 }),
    fc.constantFrom('5\r\nhello\r\n0\r\n\r\n', 'zz\r\nx\r\n', 'ffffffffffffffff\r\n', '0\r\n\r\nGET / HTTP/1.1\r\n\r\n'),
  );
  const structured = fc
    .record({
      method,
      target: targets(target),
      version,
      headers: headerLines(target),
      end: lineEnd,
      body,
      // Mostly whole requests: an unfinished one costs the client a moment of waiting before it gives up.
      complete: fc.oneof({ arbitrary: fc.constant(true), weight: 7 }, { arbitrary: fc.constant(false), weight: 1 }),
    })
    .map(({ method: m, target: t, version: v, headers, end, body: b, complete }) => {
      const head = [`${m} ${t} ${v}`, ...headers].join(end);
      const text = complete ? `${head}${end}${end}${b}` : head;
      return { bytes: Buffer.from(text, 'utf8'), carriesToken: text.includes(target.token) };
    });
  const rawBytes = fc.uint8Array({ maxLength: 4096 }).map((bytes) => ({ bytes: Buffer.from(bytes), carriesToken: false }));
  return fc.oneof({ arbitrary: structured, weight: 5 }, { arbitrary: nearlyRight(target), weight: 4 }, { arbitrary: rawBytes, weight: 1 });
}

interface RequestParts {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  extra: string[];
}

/**
 * The page's own requests, a GET of the page or the API's upgrade, with up to three things changed: a header
 * dropped or given a hostile value, another target or method, a hostile header added. These reach the
 * checks behind the parser (Host, token, Origin, path, the handshake), which random bytes rarely do.
 */
function nearlyRight(target: Target): fc.Arbitrary<HttpCase> {
  const { port, token } = target;
  const base = (upgrade: boolean, page: string): RequestParts => ({
    method: 'GET',
    target: upgrade ? `/api?token=${token}` : page,
    headers: [
      ['Host', `127.0.0.1:${port}`],
      ...(upgrade
        ? ([
            ['Connection', 'Upgrade'],
            ['Upgrade', 'websocket'],
            ['Sec-WebSocket-Version', '13'],
            ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
            ['Origin', `http://127.0.0.1:${port}`],
          ] as Array<[string, string]>)
        : []),
    ],
    extra: [],
  });
  type Change = (parts: RequestParts) => void;
  const change: fc.Arbitrary<Change> = fc.oneof(
    fc.nat(9).map(
      (i): Change =>
        (parts) =>
          void parts.headers.splice(i % parts.headers.length, 1),
    ),
    fc.tuple(fc.nat(9), fc.oneof(nastyText(24), hostValues(target))).map(([i, value]): Change => (parts) => {
      const header = parts.headers[i % parts.headers.length];
      if (header) header[1] = value;
    }),
    targets(target).map(
      (value): Change =>
        (parts) =>
          void (parts.target = value),
    ),
    fc.constantFrom('HEAD', 'POST', 'OPTIONS', 'get', 'PUT').map(
      (value): Change =>
        (parts) =>
          void (parts.method = value),
    ),
    headerLines(target).map(
      (lines): Change =>
        (parts) =>
          void parts.extra.push(...lines),
    ),
  );
  const page = fc.constantFrom('/', '/index.html', '/assets/app.js');
  return fc.record({ upgrade: fc.boolean(), page, changes: fc.array(change, { maxLength: 3 }) }).map(({ upgrade, page: path, changes }) => {
    const parts = base(upgrade, path);
    for (const apply of changes) apply(parts);
    const text = [
      `${parts.method} ${parts.target} HTTP/1.1`,
      ...parts.headers.map(([name, value]) => `${name}: ${value}`),
      ...parts.extra,
      '',
      '',
    ].join('\r\n');
    return { bytes: Buffer.from(text, 'utf8'), carriesToken: text.includes(token) };
  });
}

// ---------------------------------------------------------------- WebSocket messages

/**
 * What a message is owed:
 * - 'refusal': a reply with its id that says no (result ok:false, or generation-end with an error);
 * - 'reply': a reply with its id, either way (a generation that may run);
 * - 'nothing-or-refusal': no id the server can read, or one it can: never a success.
 */
export type Owed = 'refusal' | 'reply' | 'nothing-or-refusal';

export interface WsCase {
  readonly frame: string;
  readonly id: number | null;
  readonly owed: Owed;
}

/** Draft and snapshot ids that try to leave the library, or name things no platform should make. */
const HOSTILE_IDS = [
  '',
  '.',
  '..',
  '...',
  '../',
  '../x',
  '..\\x',
  'a/b',
  'a\\b',
  '/etc/passwd',
  'C:\\Windows',
  '\0',
  'a\0b',
  ' x',
  'x ',
  '.hidden',
  '.trash',
  '~',
  'CON',
  'NUL',
  'a.',
  'a:b',
  'x'.repeat(201),
  '%2e%2e',
  '..%2f..%2f',
  '\u202e..',
  '😀/..',
];

const hostileId = fc.oneof(fc.constantFrom(...HOSTILE_IDS), nastyText(20));
const hostileNumber = fc.constantFrom(-1, -0.5, 0.5, 1e308, -1e308, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e21);

/** Valid call shapes with arguments the server must refuse (or that cannot touch an existing draft). */
function hostileCalls(realDraftIds: readonly string[]): fc.Arbitrary<{ call: object; owed: Owed }> {
  const notReal = hostileId.filter((id) => !realDraftIds.includes(id));
  const refuse = (call: fc.Arbitrary<object>) => call.map((value) => ({ call: value, owed: 'refusal' as const }));
  return fc.oneof(
    refuse(
      fc
        .record({
          method: fc.constantFrom(
            'openDraft',
            'saveDraft',
            'trashDraft',
            'duplicateDraft',
            'draftWordStats',
            'takeSnapshot',
            'renameDraft',
          ),
          id: notReal,
        })
        .map(({ method, id }) =>
          method === 'takeSnapshot' ? { method, id, name: 'n' } : method === 'renameDraft' ? { method, id, title: 't' } : { method, id },
        ),
    ),
    // Harmless for a draft that is not open or has no snapshots: a plain answer, refused when the id is malformed.
    fc.record({ method: fc.constantFrom('closeDraft', 'listSnapshots'), id: notReal }).map((call) => ({ call, owed: 'reply' as const })),
    refuse(notReal.map((trashId) => ({ method: 'restoreDraft', trashId }))),
    refuse(
      fc
        .record({ id: fc.oneof(notReal, fc.constantFrom(...realDraftIds)), snapshotId: hostileId, restore: fc.boolean() })
        .map(({ id, snapshotId, restore }) => ({ method: restore ? 'restoreSnapshot' : 'compareSnapshot', id, snapshotId })),
    ),
    refuse(
      fc.record({ id: fc.constantFrom(...realDraftIds), offset: hostileNumber, text: fc.string() }).map(({ id, offset, text }) => ({
        method: 'editDraft',
        id,
        edit: { kind: 'changes', changes: [{ offset, deleteCount: 0, text }], length: offset },
      })),
    ),
    refuse(
      fc.record({ id: fc.constantFrom(...realDraftIds), offset: hostileNumber }).map(({ id, offset }) => ({
        method: 'setDraftCursor',
        id,
        cursor: { offset },
      })),
    ),
    refuse(fc.record({ id: notReal, memory: fc.string() }).map(({ id, memory }) => ({ method: 'setDraftMemory', id, memory }))),
    refuse(
      fc
        .record({ id: notReal, keep: fc.constantFrom('mine', 'theirs') })
        .map(({ id, keep }) => ({ method: 'resolveDraftConflict', id, keep })),
    ),
    refuse(
      fc
        .record({ id: notReal, format: fc.constantFrom('txt', 'md', 'html', 'docx', 'epub', 'pdf', 'exe', '../x') })
        .map(({ id, format }) => ({ method: 'exportDraft', id, format, options: { chapterBreaks: true, modelSpans: 'keep' } })),
    ),
    refuse(hostileNumber.map((goal) => ({ method: 'setDailyGoal', goal }))),
    refuse(fc.constant({ method: 'listDrafts', query: 'q'.repeat(501) })),
    refuse(fc.constant({ method: 'createDraft', title: 't'.repeat(501) })),
    fc.string({ maxLength: 2000 }).map((text) => ({ call: { method: 'countTokens', text }, owed: 'reply' as const })),
    fc
      .record({ context: fc.string({ maxLength: 2000 }), maxTokens: fc.integer({ min: 1, max: 512 }) })
      .map((request) => ({ call: { method: 'prefill', ...request }, owed: 'reply' as const })),
    refuse(
      fc.constantFrom('file:///etc/passwd', 'javascript:alert(1)', 'https://example.com', 'http://127.0.0.1:1/').map((url) => ({
        method: 'openExternal',
        url,
      })),
    ),
    refuse(fc.constant({ method: 'chooseModelFolder' })),
    refuse(
      fc
        .record({ method: fc.constantFrom('setActiveModel', 'deleteModel', 'downloadModel'), id: hostileId })
        .map(({ method, id }) => (method === 'downloadModel' ? { method, variantId: `not-in-catalog-${id}` } : { method, id })),
    ),
    refuse(fc.oneof(hostileId, fc.constant('../../etc')).map((folder) => ({ method: 'importModel', from: { by: 'import-root', folder } }))),
    refuse(fc.constant({ method: 'importModel', from: { by: 'dialog' } })),
    refuse(fc.oneof(hostileId, fc.constantFrom('/etc', '/', '..', '/tmp')).map((modelDir) => ({ method: 'saveSettings', modelDir }))),
    fc.constantFrom('getSnapshot', 'getModels', 'listImportFolders', 'listTrash', 'draftsStartup').map((method) => ({
      call: { method },
      owed: 'reply' as const,
    })),
  );
}

/** Values just outside (or of the wrong type for) each number a generation request carries. */
const OUT_OF_RANGE: Record<string, readonly unknown[]> = {
  maxTokens: [0, 513, -1, 1.5, 1e308, '2', null],
  candidates: [0, 17, -1, 1.5, '1', true],
  temperature: [-0.1, 5.1, 1e308, -1e308, '1', null],
  topK: [-1, 100_001, 0.5, 2 ** 53],
  topP: [-0.1, 1.1, 2],
  minP: [-0.1, 1.1],
  typicalP: [-0.1, 1.1],
  repetitionPenalty: [0.49, 5.1, 0, -1],
  repetitionWindow: [-1, 4097, 1.5],
  noRepeatNgramSize: [-1, 33, 0.5],
  seed: [-1, 2 ** 32, 0.5, 1e21],
};

function hostileGenerate(): fc.Arbitrary<{ request: object; owed: Owed }> {
  const valid = { context: 'The harbour', maxTokens: 2, candidates: 1, sampler: DEFAULT_SAMPLER };
  const refused = (request: fc.Arbitrary<object>) => request.map((value) => ({ request: value, owed: 'refusal' as const }));
  const outOfRange = fc
    .constantFrom(...Object.keys(OUT_OF_RANGE))
    .chain((field) => fc.constantFrom(...OUT_OF_RANGE[field]!).map((value) => ({ field, value })));
  return fc.oneof(
    {
      arbitrary: refused(
        outOfRange.map(({ field, value }) =>
          field === 'maxTokens' || field === 'candidates'
            ? { ...valid, [field]: value }
            : { ...valid, sampler: { ...DEFAULT_SAMPLER, [field]: value } },
        ),
      ),
      weight: 8,
    },
    {
      arbitrary: refused(
        fc.constantFrom(
          { ...valid, stopStrings: Array.from({ length: 17 }, () => '.') },
          { ...valid, stopStrings: [''] },
          { ...valid, stopAt: 'chapter' },
          { ...valid, extra: 1 },
          { ...valid, context: 1 },
          { ...valid, sampler: { ...DEFAULT_SAMPLER, extra: 1 } },
          { ...valid, sampler: undefined },
        ),
      ),
      weight: 2,
    },
    // Valid, at the edges of what is allowed: the engine may run them (or say this page has too many).
    {
      arbitrary: fc
        .record({ context: nastyText(40), stopAt: fc.constantFrom('none', 'phrase', 'sentence', 'paragraph'), seed: fc.nat(2 ** 32 - 1) })
        .map(({ context, stopAt, seed }) => ({
          request: {
            ...valid,
            context,
            stopAt,
            sampler: { ...DEFAULT_SAMPLER, temperature: 5, topK: 100_000, repetitionWindow: 4096, seed },
          },
          owed: 'reply' as const,
        })),
      weight: 1,
    },
  );
}

export interface WsContext {
  /** Drafts that exist: hostile calls name them only where the arguments must be refused anyway. */
  readonly realDraftIds: readonly string[];
  /** The saved settings, so a saveSettings case is refused for its model folder alone. */
  readonly settings: object;
  /** Ids for the cases that expect a reply, from a range of their own, so replies can be matched. */
  readonly nextId: () => number;
}

export function wsCases({ realDraftIds, settings, nextId }: WsContext): fc.Arbitrary<WsCase> {
  const noId = (frame: fc.Arbitrary<string>) => frame.map((text) => ({ frame: text, id: null, owed: 'nothing-or-refusal' as const }));
  const deep = fc.integer({ min: 1, max: 20_000 });
  return fc.oneof(
    // Not JSON, or JSON of the wrong kind.
    noId(fc.oneof(nastyText(200), fc.constantFrom('{', '[', '"', 'null', 'true', '1e999', '-', '{"type":', '{"type":"call","id":', ''))),
    noId(fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value))),
    // Deep nesting, bare and inside a call.
    noId(deep.map((depth) => '['.repeat(depth) + ']'.repeat(depth))),
    noId(deep.map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth))),
    deep.map((depth) => {
      const id = nextId();
      return {
        frame: `{"type":"call","id":${id},"call":{"method":"listDrafts","query":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
        id,
        owed: 'refusal' as const,
      };
    }),
    // Wrong types and hostile numbers where the envelope's fields go.
    noId(
      fc
        .record({
          type: fc.oneof(fc.constantFrom('call', 'generate', 'cancel', 'result', '__proto__', 'constructor'), nastyText(8)),
          id: fc.oneof(hostileNumber, fc.constantFrom('1', null, true, [], {}), fc.constant(undefined)),
        })
        .map(({ type, id }) => JSON.stringify({ type, id, call: { method: 'getSnapshot' } })),
    ),
    noId(fc.constant('{"__proto__":{"polluted":true},"type":"call","id":1.5,"call":{"method":"getSnapshot"}}')),
    // Unknown methods and extra fields, matchable by id.
    fc
      .oneof(nastyText(16), fc.constantFrom('rm -rf /', '__proto__', 'constructor', 'toString', 'restartEngine ', 'GETSNAPSHOT'))
      .map((method) => {
        const id = nextId();
        return { frame: JSON.stringify({ type: 'call', id, call: { method } }), id, owed: 'refusal' as const };
      }),
    fc.constant(null).map(() => {
      const id = nextId();
      return { frame: JSON.stringify({ type: 'call', id, call: { method: 'getSnapshot', extra: true } }), id, owed: 'refusal' as const };
    }),
    // Valid shapes, hostile arguments.
    hostileCalls(realDraftIds).map(({ call, owed }) => {
      const id = nextId();
      const body = 'modelDir' in call ? { method: 'saveSettings', settings: { ...settings, modelDir: call.modelDir } } : call;
      return { frame: JSON.stringify({ type: 'call', id, call: body }), id, owed };
    }),
    hostileGenerate().map(({ request, owed }) => {
      const id = nextId();
      return { frame: JSON.stringify({ type: 'generate', id, request }), id, owed };
    }),
    // Cancels of generations that do not exist: nothing to say.
    noId(hostileNumber.map((id) => JSON.stringify({ type: 'cancel', id }))),
  );
}

/** Texts one past each limit, made once each (in the random pool they would dominate the run's time). */
export function oversizedCases(realDraftId: string, nextId: () => number): WsCase[] {
  const valid = { context: 'The harbour', maxTokens: 2, candidates: 1, sampler: DEFAULT_SAMPLER };
  const call = (body: object): WsCase => {
    const id = nextId();
    return { frame: JSON.stringify({ type: 'call', id, call: body }), id, owed: 'refusal' };
  };
  const generate = (request: object): WsCase => {
    const id = nextId();
    return { frame: JSON.stringify({ type: 'generate', id, request }), id, owed: 'refusal' };
  };
  return [
    call({ method: 'listDrafts', query: 'q'.repeat(MAX_CLIENT_FRAME_CHARS) }),
    call({ method: 'editDraft', id: realDraftId, edit: { kind: 'text', text: '中'.repeat(MAX_DRAFT_CHARS + 1) } }),
    call({ method: 'countTokens', text: '"'.repeat(MAX_TEXT_CHARS + 1) }),
    generate({ ...valid, context: '\n'.repeat(MAX_TEXT_CHARS + 1) }),
    generate({ ...valid, memory: 'm'.repeat(MAX_TEXT_CHARS + 1) }),
  ];
}

// ---------------------------------------------------------------- WebSocket frames

/** Frames the protocol forbids or that end the conversation: bad opcodes, reserved bits, bad UTF-8, lies. */
export const rawFrameCases = fc.record({
  opcode: fc.constantFrom(0, 1, 2, 3, 7, 8, 9, 10, 11, 15),
  fin: fc.boolean(),
  reservedBits: fc.constantFrom(0, 0, 0, 1, 2, 4, 7),
  masked: fc.constantFrom(true, true, true, false),
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xff, 0xfe]), Buffer.from([0x03, 0xe8]), Buffer.from([0x00, 0x00, 0x41])),
  ),
  lie: fc.constantFrom(null, null, null, 0, 200, 65_536, 2 ** 40),
});

// ---------------------------------------------------------------- the completions API (/v1)

export interface ApiTarget extends Target {
  /** The key given with --api-key. */
  readonly apiKey: string;
  /** The one origin named with --cors-origin. */
  readonly corsOrigin: string;
}

/** A request to the completions API, well-formed HTTP, and whether it may be served (else it must be refused). */
export interface ApiCase {
  readonly bytes: Buffer;
  /** Right key, loopback Host, no Origin or the allowed one: the only requests that may get a 200. */
  readonly admitted: boolean;
  readonly origin: string | null;
}

/** Values of the wrong type or out of range for the completions parameters, and some that nest or weigh. */
const HOSTILE_VALUES: readonly unknown[] = [
  null,
  true,
  -1,
  0,
  0.5,
  1e308,
  -1e308,
  2 ** 53,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  '1',
  'NaN',
  '中文',
  [],
  [''],
  ['a', 'b'],
  [464, 3290],
  {},
  { text: 'x' },
  'x'.repeat(10_000),
  Array(20).fill('.'),
];

const COMPLETION_FIELDS = [
  'model',
  'prompt',
  'max_tokens',
  'temperature',
  'top_p',
  'n',
  'best_of',
  'stop',
  'seed',
  'logprobs',
  'echo',
  'presence_penalty',
  'frequency_penalty',
  'stream',
  'stream_options',
  'top_k',
  'min_p',
  'typical_p',
  'repetition_penalty',
  'repeat_last_n',
  'logit_bias',
  'suffix',
  'user',
  '__proto__',
  'constructor',
];

/** Header values a client can send without breaking HTTP itself: printable, no line breaks. */
const headerSafe = (maxLength: number) => nastyText(maxLength).map((text) => text.replace(/[^\x20-\x7e]/g, '?'));

/** A small request the engine may run (a few tokens, at most two choices), for the cases that are let in. */
const servable = fc.record(
  {
    model: fc.constantFrom('tiny-seed1', 'gpt-3.5-turbo-instruct'),
    prompt: fc.oneof(nastyText(40), fc.constant(''), fc.constant(['The harbour'])),
    max_tokens: fc.integer({ min: 0, max: 4 }),
    temperature: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 2, noNaN: true })),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    n: fc.integer({ min: 1, max: 2 }),
    stop: fc.oneof(fc.constant('\n'), fc.array(nastyText(4), { maxLength: 3 })),
    seed: fc.integer({ min: -1, max: 2 ** 32 - 1 }),
    logprobs: fc.integer({ min: 0, max: 5 }),
    echo: fc.boolean(),
    presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    top_k: fc.integer({ min: -1, max: 50 }),
    min_p: fc.double({ min: 0, max: 1, noNaN: true }),
    typical_p: fc.double({ min: 0, max: 1, noNaN: true }),
    repetition_penalty: fc.double({ min: 0.5, max: 5, noNaN: true }),
  },
  { requiredKeys: [] },
);

function completionBodies(): fc.Arbitrary<string> {
  const withHostileField = fc
    .tuple(servable, fc.constantFrom(...COMPLETION_FIELDS), fc.constantFrom(...HOSTILE_VALUES))
    .map(
      ([body, field, value]) =>
        `{${JSON.stringify(body).slice(1, -1)}${Object.keys(body).length > 0 ? ',' : ''}${JSON.stringify(field)}:${JSON.stringify(value)}}`,
    );
  return fc.oneof(
    { arbitrary: servable.map((body) => JSON.stringify(body)), weight: 4 },
    { arbitrary: withHostileField, weight: 4 },
    {
      arbitrary: fc.oneof(
        fc.constantFrom(
          '',
          '{',
          '{"prompt": "The har',
          'null',
          '[]',
          '"prompt"',
          '{"prompt": "x"}}',
          `{"user":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        ),
        nastyText(200),
        fc.nat(200_000).map((n) => JSON.stringify({ prompt: 'x'.repeat(n), max_tokens: 1 })),
      ),
      weight: 2,
    },
  );
}

export function apiCases(target: ApiTarget): fc.Arbitrary<ApiCase> {
  const { port, token, apiKey, corsOrigin } = target;
  const goodHost = `127.0.0.1:${port}`;
  return fc
    .record({
      method: fc.oneof(
        { arbitrary: fc.constant('POST'), weight: 6 },
        { arbitrary: fc.constantFrom('GET', 'OPTIONS', 'PUT', 'DELETE', 'HEAD'), weight: 1 },
      ),
      path: fc.oneof(
        { arbitrary: fc.constant('/v1/completions'), weight: 6 },
        {
          arbitrary: fc.constantFrom(
            '/v1/models',
            '/v1/models/tiny-seed1',
            '/v1/models/%zz',
            '/v1/chat/completions',
            '/v1',
            '/v1/',
            '/v1/completions?stream=true',
            '/v1//completions',
          ),
          weight: 2,
        },
        { arbitrary: nastyText(16).map((text) => `/v1/${text.replace(/[^\x21-\x7e]/g, '_')}`), weight: 1 },
      ),
      host: fc.oneof(
        { arbitrary: fc.constant(goodHost), weight: 8 },
        { arbitrary: fc.constantFrom(`localhost:${port}`, `evil.example`, `127.0.0.1:${port + 1}`, `127.0.0.1`), weight: 1 },
      ),
      authorization: fc.oneof(
        { arbitrary: fc.constant(`Bearer ${apiKey}`), weight: 6 },
        { arbitrary: fc.constant(`Bearer ${token}`), weight: 2 },
        {
          arbitrary: fc.oneof(
            fc.constantFrom(
              null,
              '',
              'Bearer',
              'Bearer ',
              `Bearer ${apiKey}x`,
              `Bearer ${apiKey.slice(1)}`,
              `Basic ${apiKey}`,
              `Bearer  ${apiKey} extra`,
            ),
            headerSafe(40).map((text) => `Bearer ${text}`),
          ),
          weight: 2,
        },
      ),
      origin: fc.oneof(
        { arbitrary: fc.constant(null), weight: 8 },
        { arbitrary: fc.constant(corsOrigin), weight: 2 },
        {
          arbitrary: fc.constantFrom(
            'https://evil.example',
            'null',
            `http://127.0.0.1:${port}`,
            corsOrigin.toUpperCase(),
            `${corsOrigin}/`,
          ),
          weight: 2,
        },
      ),
      body: completionBodies(),
      preflightHeaders: fc.constantFrom('authorization, content-type', 'x-evil', 'authorization, x-stainless-os', ''),
    })
    .map(({ method, path, host, authorization, origin, body, preflightHeaders }) => {
      const sendsBody = method === 'POST' || method === 'PUT';
      const headers = [
        `Host: ${host}`,
        ...(authorization !== null ? [`Authorization: ${authorization}`] : []),
        ...(origin !== null ? [`Origin: ${origin}`] : []),
        ...(method === 'OPTIONS' ? ['Access-Control-Request-Method: POST', `Access-Control-Request-Headers: ${preflightHeaders}`] : []),
        'Content-Type: application/json',
        `Content-Length: ${sendsBody ? Buffer.byteLength(body) : 0}`,
        'Connection: close',
      ];
      const bytes = Buffer.from(`${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${sendsBody ? body : ''}`, 'utf8');
      const keyed = authorization === `Bearer ${apiKey}` || authorization === `Bearer ${token}`;
      const admitted =
        keyed && (host === goodHost || host === `localhost:${port}`) && (origin === null || origin.toLowerCase() === corsOrigin);
      return { bytes, admitted, origin };
    });
}
