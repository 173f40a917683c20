/**
 * Hand-picked strings that stress tokenizers: unicode of many scripts, emoji
 * (with skin tones, ZWJ sequences, flags), CJK, right-to-left text, code,
 * runs of spaces, tabs and newlines, digits, contractions, special-token text.
 */
const seeds: readonly string[] = [
  'Hello world',
  'Hello, world! How are you today?',
  ' leading space',
  '  two leading spaces',
  'trailing space ',
  'trailing spaces   ',
  '   ',
  ' ',
  '\n',
  '\n\n\n',
  '\t',
  'tab\tseparated\tvalues',
  'line one\nline two\r\nline three\rline four',
  'mixed \t \n whitespace \u00a0 nbsp \u2003 em space \u3000 ideographic',
  "I'm sure you'll see they've done it, haven't they? We'd, it's, I'LL, DON'T",
  'The year 2024 had 366 days; 1234567890 digits, 3.14159, -42, 1e-9, 0x1F',
  '１２３ full-width digits and ＡＢＣ letters',
  'café naïve façade résumé coöperate Zürich Ærøskøbing',
  'Straße ß ẞ İstanbul ı ǅ ǈ ﬁ ligature ﬂ',
  'Привет, мир! Съешь же ещё этих мягких французских булок.',
  'Γειά σου Κόσμε — αβγδεζηθ',
  'שלום עולם — עברית מימין לשמאל',
  'مرحبا بالعالم — النص العربي',
  'नमस्ते दुनिया — हिन्दी',
  'สวัสดีชาวโลก ภาษาไทย',
  'こんにちは世界、カタカナとひらがな。',
  '你好，世界！这是中文文本。',
  '안녕하세요 세계, 한국어 텍스트',
  '日本語と中文と한국어が混ざった text',
  '😀 😃 😄 😁 😆',
  '👍🏽 👩🏾‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 🇯🇵 🇺🇸',
  'emoji in the middle😀of text',
  '∑∫∂√∞≈≠≤≥ ∀x∈ℝ: x²≥0',
  '→ ← ↑ ↓ ⇒ ⇔ ★ ☆ ♠ ♣ ♥ ♦',
  '€100, £50, ¥1000, ₹200, ₿0.5',
  'function add(a, b) {\n  return a + b;\n}\n',
  'def main():\n    for i in range(10):\n        print(f"{i:03d}")\n',
  'const x = arr.map((v) => v * 2).filter(Boolean);',
  '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); return 0; }',
  "SELECT * FROM users WHERE id = 42 AND name LIKE '%abc%';",
  '<div class="box">\n\t<p>HTML &amp; entities &lt;tag&gt;</p>\n</div>',
  '{"key": "value", "list": [1, 2, 3], "nested": {"a": null}}',
  'https://example.com/path?query=1&other=two#fragment',
  'user@example.com, +1 (555) 123-4567',
  '    indented with four spaces',
  '\t\tindented with tabs',
  'a  b   c    d     e      f',
  '!!!???...,,,;;;:::',
  '"quoted" \'single\' `backtick` «guillemets» „German“',
  '(parens) [brackets] {braces} <angles>',
  '___underscores___ ---dashes--- ***stars***',
  'CamelCaseWords and snake_case_words and kebab-case-words',
  'UPPERCASE TEXT SHOUTING',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'The quick brown fox jumps over the lazy dog.',
  'Zero\u200bwidth\u200cjoiners\u200dhere',
  'combining e\u0301 a\u0308 n\u0303 marks',
  '\u0000 null and \u0007 bell and \u001b escape',
  'tokens <s> and </s> and <unk> in text',
  '<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n',
  '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>',
  '<|endoftext|> after end of text',
  '<tool> call </tool>',
  'text<s>glued</s>together',
];

/** A deterministic mulberry32 generator. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const joiners = [' ', '', '\n', '  ', '\t', ', ', '\n\n', '   '];

/**
 * At least `count` varied strings for tokenizer comparisons: the hand-picked
 * seeds, then deterministic mixes of 2–4 seeds joined by spaces, newlines or
 * nothing, and slices of them cut at arbitrary characters (code points, so
 * the strings stay valid UTF-16).
 */
export function tokenizerTestStrings(count = 320, seed = 1): string[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const out = [...seeds];
  while (out.length < count) {
    const parts = Array.from({ length: 2 + Math.floor(next() * 3) }, () => pick(seeds));
    let text = parts.reduce((joined, part) => joined + pick(joiners) + part);
    if (next() < 0.3) {
      const chars = Array.from(text);
      const start = Math.floor(next() * chars.length);
      text = chars.slice(start, start + 1 + Math.floor(next() * 40)).join('');
    }
    if (text.length > 0) out.push(text);
  }
  return out;
}
