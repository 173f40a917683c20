import { PromptError } from '@pio/core';

/**
 * Checks the token ids of a prompt before anything runs on them: at least
 * one id, each an integer in `[0, vocabSize)`. onnxruntime would otherwise
 * fail deep in a Gather with its own internals in the message (or read out of
 * bounds).
 *
 * @throws PromptError for an empty prompt, or naming the first bad id, its position and the vocabulary size.
 */
export function checkPromptIds(ids: readonly number[], vocabSize: number): void {
  if (ids.length === 0) throw new PromptError({ kind: 'empty' });
  for (let position = 0; position < ids.length; position++) {
    const tokenId = ids[position]!;
    if (!Number.isInteger(tokenId) || tokenId < 0 || tokenId >= vocabSize) {
      throw new PromptError({ kind: 'token-id', tokenId, position, vocabSize });
    }
  }
}
