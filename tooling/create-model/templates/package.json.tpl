{
  "name": "@pio/model-__name__",
  "version": "0.0.0",
  "private": true,
  "description": __descriptionJson__,
  "license": "MIT",
  "type": "module",
  "sideEffects": false,
  "exports": {
    ".": {
      "@pio/source": "./src/index.ts",
      "types": "./dist/index.d.ts",
      "import": "./dist/index.js"
    },
    "./package.json": "./package.json"
  },
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "files": ["dist", "src", "!src/**/*.test.ts"],
  "engines": {
    "node": ">=20"
  },
  "publishConfig": {
    "access": "public"
  },
  "keywords": ["llm", "onnx", "pio", "pio-plugin", "__name__"],
  "scripts": {
    "build": "tsup",
    "typecheck": "tsc --noEmit",
    "lint": "biome lint . && publint --strict",
    "test": "vitest run",
    "bench": "node --conditions=@pio/source --import tsx benchmarks/__name__.bench.ts"
  },
  "pio": {
    "specificationVersion": "v1",
    "type": "model",
    "displayName": __displayNameJson__,
    "description": __descriptionJson__,
    "author": __authorJson__,
    "license": "MIT",
    "architectures": __architecturesJson__,
    "modelTypes": __modelTypesJson__,
    "family": __familyJson__,
    "size": "unknown",
    "parameters": 0,
    "requiredMemoryGb": 0,
    "modalities": ["text"],
    "tags": ["text-generation"],
    "compatibility": {
      "core": "^__coreVersion__",
      "node": ">=20",
      "onnxruntime": ">=1.20.0"
    },
    "entryPoint": {
      "export": ".",
      "factory": "create__Pascal__Plugin"
    }
  },
  "dependencies": {
    "@pio/core": "workspace:^",
    "@pio/engine": "workspace:^",
    "@pio/onnx": "workspace:^",
    "zod": "^4.1.0"
  },
  "devDependencies": {
    "@pio/conformance": "workspace:*",
    "@pio/test-kit": "workspace:*",
    "@pio/tsconfig": "workspace:*",
    "@pio/tsup-config": "workspace:*",
    "@pio/vitest-preset": "workspace:*"
  }
}
