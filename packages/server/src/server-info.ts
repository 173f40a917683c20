/** A model being served. */
export interface ServedModel {
  /** The id clients name. */
  id: string;
  /** Absolute path of its checkpoint folder. */
  checkpoint: string;
  /** The plugin package running it. */
  pluginName: string;
  /** The context length in force, when the plugin tells. */
  contextLength?: number;
  /** The vocabulary size (prompt token ids are below it), when the plugin tells. */
  vocabSize?: number;
  /** Milliseconds its worker took to load it. */
  loadMs: number;
}

/** A running server. */
export interface PioServer {
  /** Base URL, for example `http://127.0.0.1:8080`; OpenAI clients use `${url}/v1`. */
  url: string;
  /** The interface bound. */
  host: string;
  /** The port bound. */
  port: number;
  /** The models served. */
  models: readonly ServedModel[];
  /** Stops accepting requests, ends streams and stops the workers. Safe to call twice. */
  close(): Promise<void>;
}
