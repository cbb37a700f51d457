import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { samplerOf, type HistoryNode, type HistoryTree, type SamplerUsed } from '../../electron/common/history.js';
import { SidePanel } from '../panels/SidePanel.js';
import { formatNumber, i18n } from '../i18n/index.js';
import type { HistorySpot } from './locate.js';
import './history.css';

export interface HistoryPanelProps {
  tree: HistoryTree;
  /** The tree at the cursor; null when the cursor is in the writer's own words. */
  spot: HistorySpot | null;
  /** A change the drafts service refused, or a tree it could not read, in words. */
  problem?: string | null;
  /** Puts a node's text in place of what stands at its spot (one undo step). */
  onPutIn(node: HistoryNode): void;
  onClose(): void;
}

type Role = 'ancestor' | 'sibling' | 'child';

/**
 * The history tree at the cursor: what the text there continued, everything written at that spot (which of
 * it is in the text, when it was shown or accepted, with which sampler) and what continued it. A node is
 * previewed on click and put into the text with one button.
 */
export function HistoryPanel({ tree, spot, problem, onPutIn, onClose }: HistoryPanelProps) {
  const { t } = useTranslation();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const entries: { node: HistoryNode; role: Role }[] = spot
    ? [
        ...spot.ancestors.map((node) => ({ node, role: 'ancestor' as const })),
        ...spot.siblings.map((node) => ({ node, role: 'sibling' as const })),
        ...spot.children.map((node) => ({ node, role: 'child' as const })),
      ]
    : [];
  const selected = entries.find((entry) => entry.node.id === selectedId) ?? null;
  const canPutIn = selected !== null && selected.role !== 'ancestor' && selected.node.id !== spot?.current?.id;

  const list = (role: Role, heading: string) => {
    const nodes = entries.filter((entry) => entry.role === role);
    if (nodes.length === 0) return null;
    return (
      <section className="history-group" data-testid={`history-${role}s`}>
        <h3>{heading}</h3>
        <ol className="history-nodes">
          {nodes.map(({ node }) => (
            <li key={node.id}>
              <button
                type="button"
                className={`history-node${node.id === selectedId ? ' selected' : ''}${node.id === spot?.current?.id ? ' current' : ''}`}
                aria-pressed={node.id === selectedId}
                onClick={() => setSelectedId(node.id === selectedId ? null : node.id)}
                data-testid="history-node"
                data-node-id={node.id}
              >
                <span className="history-text">{node.text.trim() || '…'}</span>
                <span className="history-meta">
                  {t(`history.kinds.${node.kind}`)} · {statusOf(node, spot, t)}
                </span>
                <span className="history-meta">{samplerWords(samplerOf(tree, node), t)}</span>
              </button>
            </li>
          ))}
        </ol>
      </section>
    );
  };

  return (
    <SidePanel title={t('history.title')} className="history" testId="history-panel" closeLabel={t('history.close')} onClose={onClose}>
      <p className="panel-hint">{t('history.hint')}</p>
      {problem && <p className="notice notice-warning">{problem}</p>}
      {!spot ? (
        <p className="panel-hint" data-testid="history-empty">
          {tree.nodes.length === 0 ? t('history.emptyDraft') : t('history.nothingHere')}
        </p>
      ) : (
        <>
          {list('ancestor', t('history.continues'))}
          {list('sibling', t('history.writtenHere'))}
          {list('child', t('history.continuedBy'))}
        </>
      )}
      {selected && (
        <section className="history-preview" aria-label={t('history.preview')} data-testid="history-preview">
          <h3>{t('history.preview')}</h3>
          <p className="history-text">{selected.node.text}</p>
          <button
            type="button"
            className="primary-button"
            disabled={!canPutIn}
            onClick={() => onPutIn(selected.node)}
            data-testid="history-put-in"
            title={t('history.putInTitle')}
          >
            {t('history.putIn')}
          </button>
        </section>
      )}
    </SidePanel>
  );
}

function statusOf(node: HistoryNode, spot: HistorySpot | null, t: TFunction): string {
  if (node.id === spot?.current?.id) return t('history.inText', { time: when(node.accepted ?? node.created) });
  if (node.accepted !== null) return t('history.accepted', { time: when(node.accepted) });
  return t('history.shown', { time: when(node.created) });
}

/** A time today as "14:02", an older one with its date. */
function when(time: number): string {
  const date = new Date(time);
  const today = new Date().toDateString() === date.toDateString();
  return new Intl.DateTimeFormat(i18n.language, today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** The sampler in a few words: the preset, then the knobs that shape the text most. */
export function samplerWords(used: SamplerUsed | null, t: TFunction): string {
  if (!used) return t('history.noSampler');
  const { settings } = used;
  const number = (value: number) => formatNumber(value, { maximumFractionDigits: 2 });
  const knobs = settings.greedy
    ? t('history.greedy')
    : t('history.knobs', { temperature: number(settings.temperature), topK: settings.topK, topP: number(settings.topP) });
  return used.preset ? t('history.withPreset', { preset: used.preset, knobs }) : knobs;
}
