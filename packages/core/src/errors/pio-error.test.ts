import { describe, expect, it } from 'vitest';
import { PioError } from './pio-error.js';

describe('PioError', () => {
  it('keeps its code and appends the hint to the message on a line of its own', () => {
    const error = new PioError({ code: 'PIO_TEST', message: 'Something broke in a.json', hint: 'Fix a.json.' });
    expect(error.code).toBe('PIO_TEST');
    expect(error.hint).toBe('Fix a.json.');
    expect(error.message).toBe('Something broke in a.json\nFix a.json.');
    expect(error.name).toBe('PioError');
    expect(error).toBeInstanceOf(Error);
  });

  it('leaves the message alone and the hint undefined when there is no hint', () => {
    const error = new PioError({ code: 'PIO_TEST', message: 'plain' });
    expect(error.message).toBe('plain');
    expect(error.hint).toBeUndefined();
    expect('cause' in error).toBe(false);
  });

  it('keeps the cause', () => {
    const cause = new Error('root');
    expect(new PioError({ code: 'PIO_TEST', message: 'outer', cause }).cause).toBe(cause);
  });

  it('serializes to name, code and message', () => {
    const error = new PioError({ code: 'PIO_TEST', message: 'm', hint: 'h' });
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'PioError', code: 'PIO_TEST', message: 'm\nh' });
  });

  describe('isInstance', () => {
    it('recognizes its own errors', () => {
      expect(PioError.isInstance(new PioError({ code: 'PIO_TEST', message: 'm' }))).toBe(true);
    });

    it('recognizes an error from a second copy of @pio/core, where instanceof fails', () => {
      // A second installed copy has its own PioError class but registers the same global symbol.
      const otherCopyMarker: unique symbol = Symbol.for('pio.error') as never;
      class OtherCopyPioError extends Error {
        readonly [otherCopyMarker] = true;
        readonly code = 'PIO_TEST';
      }
      const foreign = new OtherCopyPioError('from the other copy');
      expect(foreign instanceof PioError).toBe(false);
      expect(PioError.isInstance(foreign)).toBe(true);
      expect(PioError.isInstance({ [Symbol.for('pio.error')]: true })).toBe(true);
    });

    it('rejects plain errors, look-alikes and non-objects', () => {
      expect(PioError.isInstance(new Error('plain'))).toBe(false);
      expect(PioError.isInstance(Object.assign(new Error('x'), { code: 'PIO_TEST', name: 'PioError' }))).toBe(false);
      // A local (non-registered) symbol with the same description is not the marker.
      expect(PioError.isInstance({ [Symbol('pio.error')]: true })).toBe(false);
      expect(PioError.isInstance({ [Symbol.for('pio.error')]: 'yes' })).toBe(false);
      for (const value of [undefined, null, 0, 'pio.error', true]) expect(PioError.isInstance(value)).toBe(false);
    });
  });
});
