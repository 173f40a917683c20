import { describe, expect, it } from 'vitest';
import { similarNames } from './similar-names.js';

const names = [
  'model.embed_tokens.weight',
  'model.layers.0.self_attn.q_proj.weight',
  'model.layers.0.self_attn.k_proj.weight',
  'model.layers.1.self_attn.q_proj.weight',
  'model.norm.weight',
  'lm_head.weight',
];

describe('similarNames', () => {
  it('ranks the closest names first', () => {
    expect(similarNames('model.layers.2.self_attn.q_proj.weight', names, 3)).toEqual([
      'model.layers.0.self_attn.q_proj.weight',
      'model.layers.1.self_attn.q_proj.weight',
      'model.layers.0.self_attn.k_proj.weight',
    ]);
  });

  it('finds a name that lacks its prefix', () => {
    expect(similarNames('layers.0.self_attn.q_proj.weight', names)[0]).toBe('model.layers.0.self_attn.q_proj.weight');
    expect(similarNames('embed_tokens.weight', names)[0]).toBe('model.embed_tokens.weight');
  });

  it('returns nothing when no name is close', () => {
    expect(similarNames('vision_tower.patch_embedding.bias', names)).toEqual([]);
  });
});
