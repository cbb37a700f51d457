/**
 * The notices for this computer's engine going down: a model that does not load, a host that died loading it, and a
 * host that kept dying and was left stopped each say what happened and what to do, in the interface's language,
 * from the state's reason code (never from the services' English sentence); a restart says when.
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NoticeBar } from '../../renderer/panels/NoticeBar.js';
import { noticesFor } from '../../renderer/state/notices.js';
import { i18n } from '../../renderer/i18n/index.js';
import type { EngineFailure, EngineState } from '../../electron/shared/api.js';

afterEach(async () => {
  cleanup();
  await i18n.changeLanguage('en');
});

const KILLED = 'engine host killed by SIGKILL';

/** The states the supervisor publishes, with the English messages the services write for the logs. */
function failed(failure: EngineFailure, message: string): EngineState {
  return { status: 'failed', modelDir: '/models/big', info: null, message, restarts: 0, failure };
}
const loadFailed = failed(
  { kind: 'load-failed', detail: '/models/big: no model weights found' },
  'The model could not be loaded: /models/big: no model weights found',
);
const diedLoading = failed(
  { kind: 'died-loading', detail: KILLED },
  `The engine stopped while loading /models/big (${KILLED}); it was not started again with that model. The model may need more memory than this machine has, or it is damaged.`,
);
const crashedRepeatedly = failed(
  { kind: 'crashed-repeatedly', detail: KILLED },
  `The engine stopped 4 times within 60 s (last: ${KILLED}); it was not restarted again. Your text is safe. Choose the model again in Settings or Models, or restart the engine, to try once more.`,
);
const restarting = (restartInSeconds: number | null): EngineState => ({
  status: 'restarting',
  modelDir: '/models/big',
  info: null,
  message: 'The engine stopped; restarting it.',
  restarts: 0,
  restartInSeconds,
});

const textOf = (state: EngineState, restartEngine?: () => void): string => {
  const notices = noticesFor(state, null, 'open', i18n.t, 'electron', { restartEngine });
  expect(notices).toHaveLength(1);
  return notices[0]!.text;
};

describe('engine failure notices', () => {
  it('a model that does not load: the loader’s reason, and choose another model', () => {
    expect(textOf(loadFailed)).toBe(
      'The model could not be loaded, so there are no suggestions. Your text is safe; choose another model in Models. (Why: /models/big: no model weights found)',
    );
  });

  it('a host that died loading the model: not loaded again by itself, likely too big or damaged, choose another model', () => {
    expect(textOf(diedLoading)).toBe(
      'The engine stopped while loading this model, so Kaituhi will not load it again by itself: the model may need more memory than this computer has, or it is damaged. Your text is safe; choose another model in Models. (Why: engine host killed by SIGKILL)',
    );
  });

  it('a host that kept dying: left stopped, Restart engine or another model, and never a fragment of the English message', () => {
    const text = textOf(crashedRepeatedly);
    expect(text).toBe(
      'The engine kept stopping, so Kaituhi left it stopped. Your text is safe. Restart engine tries once more; if it keeps stopping, choose another model in Models. (Last time: engine host killed by SIGKILL)',
    );
    // What the notice said when it cut the services' sentence at its first colon.
    expect(text).not.toMatch(/it was not restarted again|could not be loaded/);
  });

  it('each failure is its own notice, so dismissing one does not hide another', () => {
    const ids = [loadFailed, diedLoading, crashedRepeatedly].map((s) => noticesFor(s, null, 'open', i18n.t)[0]!.id);
    expect(new Set(ids).size).toBe(3);
  });

  it('offers Restart engine only after repeated crashes, and the button runs it', () => {
    const restartEngine = vi.fn();
    expect(noticesFor(loadFailed, null, 'open', i18n.t, 'electron', { restartEngine })[0]!.action).toBeUndefined();
    expect(noticesFor(diedLoading, null, 'open', i18n.t, 'electron', { restartEngine })[0]!.action).toBeUndefined();
    render(
      <NoticeBar notices={noticesFor(crashedRepeatedly, null, 'open', i18n.t, 'server', { restartEngine })} onDismiss={() => undefined} />,
    );
    const button = screen.getByTestId('restart-engine');
    expect(button.textContent).toBe('Restart engine');
    fireEvent.click(button);
    expect(restartEngine).toHaveBeenCalledTimes(1);
  });

  it('a failed state without a reason code reads as a failed load, with the services’ message as the reason', () => {
    const bare: EngineState = { status: 'failed', modelDir: '/models/big', info: null, message: 'something broke', restarts: 0 };
    expect(textOf(bare)).toMatch(/^The model could not be loaded.*\(Why: something broke\)$/);
  });

  it('speaks Chinese in a Chinese interface, with the detail as the services wrote it', async () => {
    await i18n.changeLanguage('zh-CN');
    expect(textOf(loadFailed)).toBe(
      '模型无法加载，所以暂时没有续写提示。你的文字是安全的；请在“模型”里换一个模型。（原因：/models/big: no model weights found）',
    );
    expect(textOf(diedLoading)).toBe(
      '引擎在加载这个模型时停止了，所以 Kaituhi 不会自动再加载它：这个模型可能需要比这台电脑更多的内存，或者文件已损坏。你的文字是安全的；请在“模型”里换一个模型。（原因：engine host killed by SIGKILL）',
    );
    expect(textOf(crashedRepeatedly)).toBe(
      '引擎接连停止，Kaituhi 已让它保持停止。你的文字是安全的。点“重启引擎”可以再试一次；如果还是不断停止，请在“模型”里换一个模型。（最近一次：engine host killed by SIGKILL）',
    );
    const action = noticesFor(crashedRepeatedly, null, 'open', i18n.t, 'electron', { restartEngine: () => undefined })[0]!.action;
    expect(action?.label).toBe('重启引擎');
  });
});

describe('engine restarting notice', () => {
  it('says in how many seconds, in both languages', async () => {
    expect(textOf(restarting(1))).toBe('The engine stopped; restarting it in 1 second. Your text is safe.');
    expect(textOf(restarting(4))).toBe('The engine stopped; restarting it in 4 seconds. Your text is safe.');
    await i18n.changeLanguage('zh-CN');
    expect(textOf(restarting(4))).toBe('引擎停止了，4 秒后重启。你的文字是安全的。');
  });

  it('without the delay, says only that it is restarting', () => {
    expect(textOf(restarting(null))).toBe('The engine stopped; restarting it. Your text is safe.');
  });
});
