import { useRef } from 'react';

/** A chosen file's text (FileReader: what every browser and Electron's renderer offer). */
export function readText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsText(file);
  });
}

export interface FileImportButtonProps {
  label: string;
  /** The file chooser's filter, as `<input accept>` takes it. */
  accept: string;
  className: string;
  /** The button's test id; the hidden file input's is the same with `-file` after it. */
  testId: string;
  onFile(file: File): void;
}

/**
 * A button that opens the file chooser. The input is emptied at once, so choosing the same file again (after
 * fixing it) imports it again.
 */
export function FileImportButton(props: FileImportButtonProps) {
  const fileInput = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={props.className} onClick={() => fileInput.current?.click()} data-testid={props.testId}>
        {props.label}
      </button>
      <input
        ref={fileInput}
        type="file"
        accept={props.accept}
        hidden
        data-testid={`${props.testId}-file`}
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file) props.onFile(file);
        }}
      />
    </>
  );
}
