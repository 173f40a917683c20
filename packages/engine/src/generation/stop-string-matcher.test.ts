import { describe, expect, it } from 'vitest';
import { StopStringMatcher } from './stop-string-matcher.js';

function run(stops: string[], deltas: string[]) {
  const matcher = new StopStringMatcher(stops);
  let text = '';
  for (const delta of deltas) {
    const result = matcher.push(delta);
    text += result.text;
    if (result.stopped) return { text, stopped: true };
  }
  return { text: text + matcher.flush(), stopped: false };
}

describe('StopStringMatcher', () => {
  it('stops at a stop string split across deltas and never emits it', () => {
    expect(run(['</end>'], ['Hello </', 'en', 'd> more'])).toEqual({ text: 'Hello ', stopped: true });
  });

  it('holds back a possible start until it is proven not to be one', () => {
    const matcher = new StopStringMatcher(['\n\nUser:']);
    expect(matcher.push('Hi\n')).toEqual({ text: 'Hi', stopped: false });
    expect(matcher.push('\nUs')).toEqual({ text: '', stopped: false });
    expect(matcher.push('e')).toEqual({ text: '', stopped: false });
    expect(matcher.push('x')).toEqual({ text: '\n\nUsex', stopped: false });
  });

  it('picks the earliest of several stop strings', () => {
    expect(run(['bb', 'a'], ['xxbba'])).toEqual({ text: 'xx', stopped: true });
  });

  it('flushes held-back text at the end of the stream', () => {
    expect(run(['STOP'], ['abc', 'ST'])).toEqual({ text: 'abcST', stopped: false });
  });

  it('passes text through without stop strings', () => {
    expect(run([], ['a', 'b'])).toEqual({ text: 'ab', stopped: false });
  });
});
