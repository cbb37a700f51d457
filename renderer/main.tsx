import { createRoot } from 'react-dom/client';
import { Trans } from 'react-i18next';
import { connectToServices } from './transport/connect.js';
import { applyLanguage, i18n } from './i18n/index.js';
import './styles.css';
import { errorMessage } from '../electron/common/error-message.js';

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  // Before the settings arrive (or when they never do) the page speaks the system's or the browser's language.
  applyLanguage('system');
  const api = connectToServices();
  try {
    const snapshot = await api.app.getSnapshot();
    const language = applyLanguage(snapshot.settings.settings.language);
    // Monaco reads its own strings (context menu, find widget) once, as its modules load: in Chinese they must be
    // in place before the editor is imported. A language chosen later in Settings reaches them at the next start.
    if (language === 'zh-CN') await import('monaco-editor/nls/lang/zh-cn');
    const { App } = await import('./App.js');
    root.render(<App api={api} mode={snapshot.mode} initialEngine={snapshot.engine} initialSettings={snapshot.settings} />);
  } catch (error) {
    root.render(
      <div className="boot-failure" role="alert">
        <h1>{i18n.t('boot.failed')}</h1>
        <p>{errorMessage(error)}</p>
        <p>
          <Trans i18n={i18n} i18nKey="boot.serverHint" components={{ code: <code /> }} />
        </p>
      </div>,
    );
  }
}

void boot();
