/**
 * Compiles a glob into a test of repository paths: `*` matches within one path
 * segment, `**` any number of segments, `?` one character, `{a,b}` either
 * choice. A pattern without `/` is matched against the file name alone, so
 * `*.onnx` finds `onnx/model.onnx` too.
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  const regex = new RegExp(`^${globToRegexSource(pattern)}$`);
  const nameOnly = !pattern.includes('/');
  return (path) => regex.test(nameOnly ? path.slice(path.lastIndexOf('/') + 1) : path);
}

function globToRegexSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        const slashAfter = pattern[i + 2] === '/';
        out += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        out += '[^/]*';
      }
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '{') {
      const end = pattern.indexOf('}', i);
      if (end === -1) {
        out += '\\{';
        continue;
      }
      out += `(?:${pattern
        .slice(i + 1, end)
        .split(',')
        .map(globToRegexSource)
        .join('|')})`;
      i = end;
    } else {
      out += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return out;
}
