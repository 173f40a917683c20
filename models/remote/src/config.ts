import { BaseConfig, type ConfigSchema, defineConfigSchema } from '@pio/core';
import { type RemoteDescriptor, remoteDescriptorSchema } from './descriptor/remote-descriptor.js';

const schema = defineConfigSchema(remoteDescriptorSchema.shape);

/**
 * The config of a remote model: the descriptor's fields over {@link BaseConfig}.
 * It is no decoder here: it has no widths, heads or layers (the model runs
 * elsewhere; its sizes are the server's business), only BaseConfig's fields,
 * with `modelType` `remote` and the context length set when the descriptor or
 * the server's `/v1/models` gives one.
 */
export class RemoteConfig extends BaseConfig {
  static override readonly schema: ConfigSchema = schema as unknown as ConfigSchema;

  declare readonly baseUrl: string;
  declare readonly model: string;
  declare readonly apiKeyEnv: string | undefined;
  declare readonly timeoutMs: number;
  declare readonly maxRetries: number;
  declare readonly maxRetryDelayMs: number;
  declare readonly headers: Record<string, string>;
  declare readonly contextLength: number | undefined;

  /** A config from a validated descriptor and the context length the server reported, if any. */
  static fromDescriptor(
    descriptor: RemoteDescriptor,
    options: { contextLength?: number; source?: string } = {},
  ): RemoteConfig {
    const contextLength = descriptor.contextLength ?? options.contextLength;
    return new RemoteConfig(
      {
        ...descriptor,
        modelType: 'remote',
        ...(contextLength
          ? { contextLength, maxPositionEmbeddings: contextLength, maxContextLength: contextLength }
          : {}),
      },
      options.source ? { source: options.source } : {},
    );
  }

  /** The descriptor fields of this config. */
  toDescriptor(): RemoteDescriptor {
    return {
      baseUrl: this.baseUrl,
      model: this.model,
      ...(this.apiKeyEnv ? { apiKeyEnv: this.apiKeyEnv } : {}),
      timeoutMs: this.timeoutMs,
      maxRetries: this.maxRetries,
      maxRetryDelayMs: this.maxRetryDelayMs,
      headers: { ...this.headers },
      ...(this.contextLength ? { contextLength: this.contextLength } : {}),
    };
  }
}
