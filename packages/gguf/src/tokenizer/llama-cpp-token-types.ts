import { GgufTokenType } from './token-type.js';

/**
 * Token texts llama.cpp (`llama_vocab::impl::load`, 2026) treats as control
 * tokens whatever the file says: end-of-turn, end-of-message, fill-in-the-
 * middle and end-of-generation markers found by their text.
 */
const controlLooking = new Set([
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '<|end_of_text|>',
  '<EOT>',
  '_<EOT>',
  '[EOT]',
  '[EOS]',
  '<end_of_utterance>',
  '<|eom_id|>',
  '<|return|>',
  '<|call|>',
  '<|flush|>',
  '<|calls|>',
  '</s>',
  '<eos>',
  '<turn|>',
  '<|tool_response>',
  '<|fim_prefix|>',
  '<fim-prefix>',
  '<fim_prefix>',
  '<PRE>',
  '<|code_prefix|>',
  '<|prefix|>',
  '<|fim_suffix|>',
  '<fim-suffix>',
  '<fim_suffix>',
  '<SUF>',
  '<|code_suffix|>',
  '<|suffix|>',
  '<|fim_middle|>',
  '<fim-middle>',
  '<fim_middle>',
  '<MID>',
  '<|code_middle|>',
  '<|middle|>',
  '<|fim_pad|>',
  '<fim-pad>',
  '<fim_pad>',
  '<PAD>',
  '[PAD]',
  '<|fim_repo|>',
  '<|repo_name|>',
  '<fim-repo>',
  '<REPO>',
  '<reponame>',
  '<|file_sep|>',
]);

/** Tokens llama.cpp always renders as text (gpt-oss): user-defined whatever the file says. */
const alwaysUserDefined = new Set(['<|channel|>', '<|message|>', '<|start|>', '<|constrain|>']);

/**
 * The token types llama.cpp tokenizes with, from the file's: control-looking
 * texts become control tokens, gpt-oss's channel markers user-defined, and
 * its two model-specific exceptions (`<|end|>` stays text beside `<|return|>`
 * and `<|call|>`; `</s>` stays text beside `<|tool_response>`) are kept.
 * Without this, a vocabulary holding `</s>` as an ordinary piece (Qwen's)
 * would tokenize differently from llama.cpp.
 */
export function llamaCppTokenTypes(tokens: readonly string[], types: readonly number[]): number[] {
  const out = tokens.map((_, id) => types[id] ?? GgufTokenType.NORMAL);
  const present = new Map<string, number>();
  tokens.forEach((token, id) => {
    present.set(token, id);
    if (controlLooking.has(token) && out[id] !== GgufTokenType.CONTROL) out[id] = GgufTokenType.CONTROL;
    if (alwaysUserDefined.has(token)) out[id] = GgufTokenType.USER_DEFINED;
  });
  const end = present.get('<|end|>');
  if (
    end !== undefined &&
    ((present.has('<|return|>') && (present.has('<|call|>') || present.has('<|calls|>'))) ||
      (present.has('<|calls|>') && present.has('<|flush|>')))
  )
    out[end] = GgufTokenType.USER_DEFINED;
  const closing = present.get('</s>');
  if (closing !== undefined && present.has('<|tool_response>')) out[closing] = GgufTokenType.NORMAL;
  return out;
}
