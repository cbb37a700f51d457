import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { connectToServices } from './transport/connect.js';
import './styles.css';
import { errorMessage } from '../electron/common/error-message.js';

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  const api = connectToServices();
  try {
    const snapshot = await api.app.getSnapshot();
    root.render(<App api={api} mode={snapshot.mode} initialEngine={snapshot.engine} initialSettings={snapshot.settings} />);
  } catch (error) {
    root.render(
      <div className="boot-failure" role="alert">
        <h1>Kaituhi could not start</h1>
        <p>{errorMessage(error)}</p>
        <p>
          In server mode, open the exact URL that <code>kaituhi serve</code> printed (it carries the access token).
        </p>
      </div>,
    );
  }
}

void boot();
