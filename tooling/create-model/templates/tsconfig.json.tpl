{
  "extends": "@pio/tsconfig/base.json",
  "include": ["src", "test", "benchmarks"]
}
