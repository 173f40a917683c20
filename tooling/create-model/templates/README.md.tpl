# @pio/model-__name__

PIO model plugin for __displayName__ checkpoints (`__architecturesList__`, model type `__modelTypesList__`).

> **Generated stub.** It reads and validates a checkpoint's `config.json`; loading
> weights, running the model and tokenizing throw `PIO_NOT_IMPLEMENTED` until they
> are filled in. The package is `"private": true` until then, so it cannot be
> published by accident. The guide is [docs/model-authors.md](../../docs/model-authors.md).

## What to fill in

- [ ] `src/config.ts`: the `config.json` keys this architecture adds to `BaseConfig` (the two fields there are examples).
- [ ] `src/plugin.ts`: `loadModel`, `infer`, `tokenize`, `detokenize`, `generateText` (and `generate`/`chat` if you stream).
- [ ] Model code in folders of `src/` named after what they hold (`architecture/`, `attention/`, `mlp/`, `rotary-embeddings/`, `kv-cache/`, `fused-layers/`, `specific-optimizations/`), created only when they hold code.
- [ ] `package.json` `"pio"`: `size`, `parameters` and `requiredMemoryGb` of the reference checkpoint, `description`, `tags`, and `compatibility.onnxruntime` once you use onnxruntime-node.
- [ ] `src/plugin.test.ts`: add the `roundTrip` option of `describeConformance` and delete the "generated stub" block.
- [ ] `benchmarks/__name__.bench.ts`: time loading and decoding instead of config parsing.
- [ ] This README: which checkpoints were tested, measured speed, known limits.
- [ ] Remove `"private": true` and add a changeset (`pnpm changeset`) for the first release.

## Use

```ts
import { PluginManager } from '@pio/core';

const manager = new PluginManager();
await manager.discover();
const plugin = await manager.activate('@pio/model-__name__', { checkpoint: 'path/to/checkpoint' });
```

## Develop

```sh
pnpm --filter @pio/model-__name__ test        # unit tests + the shared conformance suite
pnpm --filter @pio/model-__name__ typecheck
pnpm --filter @pio/model-__name__ lint
pnpm --filter @pio/model-__name__ bench       # writes benchmarks/results/__name__.json
```
