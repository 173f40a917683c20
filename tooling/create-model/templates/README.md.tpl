# @pio/model-__name__

PIO model plugin for __displayName__ checkpoints (`__architecturesList__`, model type `__modelTypesList__`).

> **Generated package.** It runs as it is: __displayName__ is built as a
> Llama-style decoder (the shared one of `@pio/onnx`) and run by `DecoderTextPlugin`
> of `@pio/engine`, which reads the checkpoint (config, tokenizer, safetensors),
> caches the built graphs and generates. Check that this matches the real
> architecture before trusting its output. The package is `"private": true`
> until it is released. The guide is [docs/model-authors.md](../../docs/model-authors.md).

## What is here

- `src/config.ts`: `__Pascal__Config`, `DecoderConfig` (the decoder fields over `BaseConfig`) plus the `config.json` keys this architecture adds (the two there, `attention_bias` and `hidden_act`, are the Llama keys the generated code reads).
- `src/architecture/build-__name__-graph.ts`: the graph builder, `buildDecoderTransformer` with this model's options.
- `src/plugin.ts`: the `DecoderModelDefinition` (config class, graph builder, `buildVersion`, which configs it runs) and the factory `create__Pascal__Plugin`.
- `src/plugin.test.ts`: the shared conformance suite with a round trip on a tiny random checkpoint (`writeRandomCheckpoint` of `@pio/test-kit`).

## Where __displayName__ differs from Llama

- [ ] `src/config.ts`: the keys its `config.json` has and `DecoderConfig.huggingFaceKeys` lacks; reject values the graph cannot run in `supports__Pascal__Config` (`src/plugin.ts`).
- [ ] `src/architecture/build-__name__-graph.ts`: the options of `buildDecoderTransformer` (`attentionBias`, `mlpBias`, `queryKeyNorm`, ...), or layers of its own in folders of `src/` named after what they hold (`attention/`, `mlp/`, `rotary-embeddings/`, ...), created only when they hold code. Bump `buildVersion` when the graphs change.
- [ ] `src/plugin.test.ts`: the random checkpoint is a Llama one (`arch: 'llama'`) relabelled with this model type; if the weights differ (extra norms, biases), add a reference forward pass test (see `models/llama/test/inference.test.ts`).
- [ ] A real checkpoint: run it and compare its logits with the reference implementation's.
- [ ] `package.json` `"pio"`: `size`, `parameters` and `requiredMemoryGb` of the reference checkpoint, `description`, `tags`.
- [ ] `benchmarks/__name__.bench.ts`: time loading, prefill and decode (`runDecoderBenchmark` of `@pio/test-kit`, as `models/llama/benchmarks/llama.bench.ts` does).
- [ ] This README: which checkpoints were tested, measured speed, known limits.
- [ ] Remove `"private": true` and add a changeset (`pnpm changeset`) for the first release.

## Use

```ts
import { PluginManager } from '@pio/core';

const manager = new PluginManager();
await manager.discover();
const plugin = await manager.activate('@pio/model-__name__', { checkpoint: 'path/to/checkpoint' });
const { text } = await plugin.generateText('Hello', { maxNewTokens: 20 });
```

## Develop

```sh
pnpm --filter @pio/model-__name__ test        # unit tests + the shared conformance suite
pnpm --filter @pio/model-__name__ typecheck
pnpm --filter @pio/model-__name__ lint
pnpm --filter @pio/model-__name__ bench       # writes benchmarks/results/__name__.json
```
