/** The Settings panel's form rows: a labelled field, a checkbox, a number within the limits the schemas hold. */
import type { ReactNode } from 'react';

export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {hint && <span className="field-hint">{hint}</span>}
    </label>
  );
}

export function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange(value: boolean): void }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

export interface NumberFieldProps {
  label: string;
  value: number;
  /** The range the settings schema accepts (GENERATION_LIMITS, SETTINGS_LIMITS). */
  limits: { readonly min: number; readonly max: number };
  step?: number;
  testId?: string;
  onChange(value: number): void;
}

export function NumberField(props: NumberFieldProps) {
  return (
    <Field label={props.label}>
      <input
        type="number"
        value={Number.isFinite(props.value) ? props.value : ''}
        min={props.limits.min}
        max={props.limits.max}
        step={props.step ?? 1}
        onChange={(event) => props.onChange(event.target.valueAsNumber)}
        data-testid={props.testId}
      />
    </Field>
  );
}
