import { describe, expect, it } from 'vitest';
import { InvalidModelNameError } from './errors/invalid-model-name-error.js';
import { modelNames } from './model-names.js';

describe('modelNames', () => {
  it('derives package, class and Hugging Face names', () => {
    expect(modelNames('gpt-neox')).toEqual({
      name: 'gpt-neox',
      packageName: '@pio/model-gpt-neox',
      pascal: 'GptNeox',
      factoryName: 'createGptNeoxPlugin',
      configClassName: 'GptNeoxConfig',
      pluginClassName: 'GptNeoxPlugin',
      defaultModelType: 'gpt_neox',
      defaultArchitecture: 'GptNeoxForCausalLM',
    });
    expect(modelNames('qwen3').factoryName).toBe('createQwen3Plugin');
    expect(modelNames('phi-3-mini').pascal).toBe('Phi3Mini');
  });

  it.each([
    ['', 'it is empty'],
    ['Llama', 'it has uppercase letters'],
    ['3dllm', 'it must start with a lowercase letter'],
    ['-llama', 'it must start with a lowercase letter'],
    ['gpt--neox', 'dashes must separate words (no double or trailing dash)'],
    ['llama-', 'dashes must separate words (no double or trailing dash)'],
    ['gpt_neox', 'only lowercase letters, digits and dashes are allowed'],
    ['my model', 'only lowercase letters, digits and dashes are allowed'],
  ])('refuses %j: %s', (name, reason) => {
    let error: unknown;
    try {
      modelNames(name);
    } catch (thrown) {
      error = thrown;
    }
    expect(InvalidModelNameError.isInstance(error)).toBe(true);
    expect((error as InvalidModelNameError).code).toBe('PIO_MODEL_NAME_INVALID');
    expect((error as Error).message).toContain(`Invalid model name ${JSON.stringify(name)}: ${reason}`);
    expect((error as Error).message).toContain('lowercase kebab-case');
  });
});
