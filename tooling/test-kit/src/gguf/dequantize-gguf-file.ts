import { GgufFile, type GgufValue, gguf, writeGgufFile } from '@pio/gguf';

/**
 * Writes a copy of a GGUF file with every tensor dequantized to F32 (the
 * values ggml's `dequantize_row_*` gives) and `general.file_type` 0: the same
 * model without quantization, so a quantized file can be compared with its
 * own dequantized weights. Reads and writes one tensor at a time.
 *
 * @param source - A GGUF file (quantized or not).
 * @param target - Where to write the F32 copy.
 */
export async function writeDequantizedGguf(source: string, target: string): Promise<void> {
  const file = await GgufFile.open(source);
  try {
    const metadata: Record<string, GgufValue> = {};
    for (const [key, value] of file.metadata.entries) if (key !== 'general.alignment') metadata[key] = value;
    metadata['general.file_type'] = gguf.uint32(0);
    await writeGgufFile(target, {
      metadata,
      alignment: file.headers[0]!.alignment,
      tensors: file.tensors.map((tensor) => ({
        name: tensor.name,
        type: 'F32' as const,
        shape: tensor.shape,
        data: async () => {
          const values = await file.readTensorFloat32(tensor.name);
          return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
        },
      })),
    });
  } finally {
    await file.close();
  }
}
