/** What a store failure is called when it reaches the interface: its code picks the sentence the writer reads. */
import { describe, expect, it } from 'vitest';
import { StoreError, toErrorInfo, TransientError } from '../../../electron/store/errors.js';
import { errnoError } from '../../../electron/disk/errno.js';

describe('toErrorInfo', () => {
  it('keeps a StoreError’s code, sentence and file', () => {
    const error = new StoreError('hash-mismatch', 'gpt2: model.onnx failed its SHA-256 check.', 'model.onnx');
    expect(toErrorInfo(error)).toEqual({
      code: 'hash-mismatch',
      message: 'gpt2: model.onnx failed its SHA-256 check.',
      file: 'model.onnx',
    });
  });

  it('a full disk is a full disk, whoever threw it', () => {
    expect(toErrorInfo(errnoError('ENOSPC', 'ENOSPC: no space left on device, write'))).toEqual({
      code: 'disk-full',
      message: 'ENOSPC: no space left on device, write',
      file: null,
    });
  });

  it('a server that kept failing is the network', () => {
    expect(toErrorInfo(new TransientError('gpt2: the server answered 503')).code).toBe('network');
  });

  it('anything else is unexpected, never "network" (which would send the writer to check a connection that works)', () => {
    expect(toErrorInfo(errnoError('EACCES', 'EACCES: permission denied, open'))).toEqual({
      code: 'unexpected',
      message: 'EACCES: permission denied, open',
      file: null,
    });
    expect(toErrorInfo('a string').code).toBe('unexpected');
  });
});
