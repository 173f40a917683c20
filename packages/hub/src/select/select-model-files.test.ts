import { describe, expect, it } from 'vitest';
import { DownloadError } from '../errors/download-error.js';
import type { RepoFile } from '../listing/list-repo-files.js';
import { selectModelFiles } from './select-model-files.js';

const listing = (...paths: string[]): RepoFile[] =>
  paths.map((path) => ({ path, size: 1, sha256: undefined, gitBlobId: undefined }));
const paths = (selection: { files: RepoFile[] }) => selection.files.map((file) => file.path);

const metadata = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];

describe('selectModelFiles', () => {
  it('takes the metadata and safetensors weights and skips other formats', () => {
    const files = listing(
      ...metadata,
      'special_tokens_map.json',
      'README.md',
      'model.safetensors',
      'pytorch_model.bin',
      'model.gguf',
      'tf_model.h5',
      'flax_model.msgpack',
      'onnx/model.onnx',
      'original/consolidated.pt',
    );
    const selection = selectModelFiles('a/b', files);
    expect(selection.format).toBe('safetensors');
    expect(paths(selection)).toEqual([...metadata, 'special_tokens_map.json', 'model.safetensors']);
  });

  it('takes the index and only the shards it names once read', () => {
    const files = listing(
      ...metadata,
      'model.safetensors.index.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'consolidated.safetensors',
    );
    expect(paths(selectModelFiles('a/b', files))).toContain('consolidated.safetensors');
    const indexed = selectModelFiles('a/b', files, {
      indexedShards: ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'],
    });
    expect(paths(indexed)).toEqual([
      ...metadata,
      'model.safetensors.index.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    expect(() => selectModelFiles('a/b', files, { indexedShards: ['model-9.safetensors'] })).toThrow(/names model-9/);
  });

  it('takes one ONNX dtype variant with its external data', () => {
    const files = listing(
      ...metadata,
      'onnx/model.onnx',
      'onnx/model.onnx_data',
      'onnx/model_q4.onnx',
      'onnx/model_fp16.onnx',
      'onnx/model_fp16.onnx_data',
      'onnx/model_fp16.onnx_data_1',
      'onnx/model_quantized.onnx',
    );
    const fp32 = selectModelFiles('a/b', files);
    expect(fp32.format).toBe('onnx');
    expect(fp32.dtype).toBe('fp32');
    expect(paths(fp32)).toEqual([...metadata, 'onnx/model.onnx', 'onnx/model.onnx_data']);
    expect(paths(selectModelFiles('a/b', files, { dtype: 'q4' }))).toEqual([...metadata, 'onnx/model_q4.onnx']);
    expect(paths(selectModelFiles('a/b', files, { dtype: 'q8' }))).toEqual([...metadata, 'onnx/model_quantized.onnx']);
    expect(paths(selectModelFiles('a/b', files, { dtype: 'fp16' })).slice(-3)).toEqual([
      'onnx/model_fp16.onnx',
      'onnx/model_fp16.onnx_data',
      'onnx/model_fp16.onnx_data_1',
    ]);
  });

  it('without fp32 takes the first variant present; an unknown or absent dtype is a usage error', () => {
    const files = listing(...metadata, 'onnx/model_q4f16.onnx', 'onnx/model_quantized.onnx');
    expect(selectModelFiles('a/b', files).dtype).toBe('q8');
    const unknown = (() => {
      try {
        selectModelFiles('a/b', files, { dtype: 'fp8' });
      } catch (error) {
        return error;
      }
    })();
    expect(DownloadError.isInstance(unknown) && unknown.code).toBe('PIO_HUB_USAGE');
    expect(() => selectModelFiles('a/b', files, { dtype: 'fp16' })).toThrow(
      /no fp16 ONNX variant \(it has: q8, q4f16\)/,
    );
  });

  it('applies --include and --exclude globs, and refuses repositories with nothing to run', () => {
    const files = listing(...metadata, 'model.safetensors', 'README.md', 'model.gguf');
    expect(
      paths(selectModelFiles('a/b', files, { include: ['README.md'], exclude: ['generation_config.json'] })),
    ).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors', 'README.md']);
    const gguf = listing('README.md', 'model-q4_k_m.gguf');
    expect(selectModelFiles('a/b', gguf)).toMatchObject({ format: 'gguf', quant: 'Q4_K_M' });
    expect(paths(selectModelFiles('a/b', gguf, { include: ['*.gguf'] }))).toEqual(['model-q4_k_m.gguf']);
    expect(() => selectModelFiles('a/b', files, { exclude: ['**'] })).toThrow(/selection is empty/);
  });

  describe('GGUF repositories', () => {
    const repo = listing(
      'README.md',
      'Qwen3-4B-Q4_K_M.gguf',
      'Qwen3-4B-Q8_0.gguf',
      'Qwen3-4B-F16-00001-of-00002.gguf',
      'Qwen3-4B-F16-00002-of-00002.gguf',
      'mmproj-Qwen3-4B-F16.gguf',
      'Qwen3-4B.imatrix.gguf',
    );

    it('takes one model: Q4_K_M by default, another with quant, a whole split set', () => {
      expect(selectModelFiles('a/b', repo)).toMatchObject({ format: 'gguf', quant: 'Q4_K_M' });
      expect(paths(selectModelFiles('a/b', repo))).toEqual(['Qwen3-4B-Q4_K_M.gguf']);
      expect(paths(selectModelFiles('a/b', repo, { quant: 'q8_0' }))).toEqual(['Qwen3-4B-Q8_0.gguf']);
      expect(paths(selectModelFiles('a/b', repo, { quant: 'F16' }))).toEqual([
        'Qwen3-4B-F16-00001-of-00002.gguf',
        'Qwen3-4B-F16-00002-of-00002.gguf',
      ]);
    });

    it('lets --include globs choose the GGUF instead', () => {
      expect(paths(selectModelFiles('a/b', repo, { include: ['*Q8_0*.gguf'] }))).toEqual(['Qwen3-4B-Q8_0.gguf']);
    });

    it('names the quantizations it has when the one asked for is absent or none is the default', () => {
      expect(() => selectModelFiles('a/b', repo, { quant: 'Q2_K' })).toThrow(
        /a\/b has no Q2_K GGUF \(it has: F16 \(1 MiB\), Q4_K_M \(1 MiB\), Q8_0 \(1 MiB\)\)/,
      );
      const noDefault = listing('m-Q8_0.gguf', 'm-Q6_K.gguf');
      const error = (() => {
        try {
          selectModelFiles('a/b', noDefault);
        } catch (caught) {
          return caught as DownloadError;
        }
      })();
      expect(error).toBeInstanceOf(DownloadError);
      expect(error?.message).toMatch(/2 GGUF models and no single Q4_K_M one.*Q6_K.*Q8_0/);
      expect(error?.hint).toMatch(/--quant/);
    });
  });
});
