import type { TFunction } from 'i18next';
import { formatList } from '../i18n/index.js';
import type { Notice } from '../panels/NoticeBar.js';
import type { DraftsController } from './use-drafts.js';

/** What the drafts library has to tell the writer: recovered text, a library that would not open, a failed save. */
export function draftNotices(drafts: Pick<DraftsController, 'startup' | 'status' | 'problem'>, t: TFunction): Notice[] {
  const notices: Notice[] = [];
  const startup = drafts.startup;
  if (startup?.problem) notices.push({ id: 'drafts-library', tone: 'error', text: startup.problem, dismissible: false });
  if (startup && startup.recovered.length > 0) {
    const names = startup.recovered.map((r) => t('notices.recoveredDraft', { title: r.title, count: r.words }));
    const key = startup.recovered.some((r) => r.conflict) ? 'notices.recoveredConflict' : 'notices.recovered';
    notices.push({ id: 'recovered', tone: 'info', text: t(key, { names: formatList(names) }), dismissible: true });
  }
  for (const [index, problem] of (startup?.problems ?? []).entries())
    notices.push({ id: `drafts-startup-${index}`, tone: 'warning', text: problem, dismissible: true });
  if (drafts.status.kind === 'failed')
    notices.push({ id: 'save-failed', tone: 'error', text: t('notices.notSaved', { message: drafts.status.message }), dismissible: false });
  if (drafts.problem) notices.push({ id: `drafts-problem-${drafts.problem}`, tone: 'error', text: drafts.problem, dismissible: true });
  return notices;
}
