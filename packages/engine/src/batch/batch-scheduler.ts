import { setImmediate as nextTurn } from 'node:timers/promises';
import type { GenerationDelta } from '@pio/core';
import type { DecoderRunner } from '../decoder/decoder-runner.js';
import type { GenerateTokensOptions } from '../generation/generate-tokens.js';
import { SequenceStream } from './sequence-stream.js';
import { SlotKvPool } from './slot-kv-pool.js';

/** Settings of a {@link BatchScheduler}. */
export interface BatchSchedulerOptions {
  /** Most sequences decoded together; further requests wait for a place. Default 16. */
  maxBatchSize?: number;
  /** Most prompt tokens fed in one run (a longer prompt is fed in chunks between decode steps). Default the runner's `promptChunk` (256). */
  prefillChunk?: number;
  /** A waiting prompt sharing at least this many tokens with the one-sequence cache is fed from there (prefix reuse). Default 16. */
  minReusedPrefix?: number;
}

/**
 * Continuous batching over one {@link DecoderRunner} (one session, one copy
 * of the weights): every concurrent {@link BatchScheduler.generate} call is a
 * sequence; between steps new ones join and finished or aborted ones leave.
 *
 * Each turn of the loop does at most one prefill run, then one decode step
 * for every sequence past its prompt:
 * - a lone sequence runs exactly as without batching: its prompt through the
 *   runner's own cache (prefix reuse, chunks of `prefillChunk`), its steps
 *   through the single-sequence graph path;
 * - with company, sequences live in slots of a {@link SlotKvPool} and decode
 *   in one batched run (`DecoderRunner.forwardBatch`); fresh short prompts are
 *   prefilled together straight into their slots, long ones (or ones that
 *   share a prefix with the runner's cache) chunk by chunk through the
 *   runner's cache and are then copied into a slot. When one sequence is
 *   left it moves back to the runner's cache (its tokens then serve prefix
 *   reuse for the next request).
 *
 * A graph without batched inputs (`runner.batchable` false) runs one
 * sequence at a time, the others waiting in order.
 */
export class BatchScheduler {
  private readonly runner: DecoderRunner;
  private readonly maxBatchSize: number;
  private readonly prefillChunk: number;
  private readonly minReusedPrefix: number;
  private readonly waiting: SequenceStream[] = [];
  /** Admitted sequences, prompt done or not. */
  private readonly active: SequenceStream[] = [];
  /** Slot b of the pool holds `slots[b]`. */
  private readonly slots: SequenceStream[] = [];
  /** The sequence whose tokens the runner's own cache holds and keeps appending (prefill or decode), if any. */
  private solo: SequenceStream | undefined;
  private pool: SlotKvPool | undefined;
  private running = false;

  /** Schedules over `runner`; nothing runs until a `generate` call. */
  constructor(runner: DecoderRunner, options: BatchSchedulerOptions = {}) {
    this.runner = runner;
    this.maxBatchSize = runner.batchable ? Math.max(1, options.maxBatchSize ?? 16) : 1;
    this.prefillChunk = Math.max(1, options.prefillChunk ?? runner.promptChunk);
    this.minReusedPrefix = options.minReusedPrefix ?? 16;
  }

  /**
   * True when no sequence runs or waits (the runner's cache may then be used
   * directly: the loop touches it only for unfinished sequences).
   */
  get idle(): boolean {
    return this.waiting.length === 0 && this.active.every((sequence) => sequence.finished);
  }

  /** Sequences running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.active.length, waiting: this.waiting.length };
  }

  /**
   * Streams one sequence's deltas, ending with `finish` (usage included).
   * The sequence joins the batch at the next step; leaving the loop early
   * (or aborting `request.signal`) ends it at the next step.
   */
  async *generate(request: GenerateTokensOptions): AsyncGenerator<GenerationDelta> {
    const sequence = new SequenceStream(request);
    this.waiting.push(sequence);
    this.kick();
    let done = false;
    try {
      for await (const delta of sequence.deltas) {
        if (delta.type === 'finish') done = true;
        yield delta;
      }
      done = true;
    } finally {
      // The consumer stopped early: the loop drops the sequence at its next turn.
      if (!done) sequence.cancelled = true;
    }
  }

  /** Releases the slot pool (the runner is the caller's). */
  dispose(): void {
    this.pool?.dispose();
    this.pool = undefined;
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.active.length > 0 || this.waiting.length > 0) {
        // Let consumers read, new requests arrive and aborts land between steps.
        await nextTurn();
        try {
          this.dropEnded();
          this.admit();
          await this.prefillStep();
          this.dropEnded();
          await this.decodeStep();
        } catch (error) {
          this.failAll(error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private admit(): void {
    while (this.waiting.length > 0 && this.active.length < this.maxBatchSize) {
      const sequence = this.waiting.shift()!;
      if (sequence.request.maxNewTokens <= 0) {
        sequence.finish('length');
        continue;
      }
      this.active.push(sequence);
    }
  }

  /** Removes aborted and cancelled sequences (and finished ones), freeing their places. */
  private dropEnded(): void {
    for (const sequence of [...this.waiting]) {
      if (sequence.aborted || sequence.cancelled) {
        this.waiting.splice(this.waiting.indexOf(sequence), 1);
        sequence.finish('abort');
      }
    }
    for (const sequence of [...this.active]) {
      if (!sequence.finished && (sequence.aborted || sequence.cancelled)) sequence.finish('abort');
      if (sequence.finished) this.leave(sequence);
    }
  }

  private leave(sequence: SequenceStream): void {
    this.active.splice(this.active.indexOf(sequence), 1);
    if (this.solo === sequence) this.solo = undefined;
    const slot = this.slots.indexOf(sequence);
    if (slot >= 0) {
      // Keep the slots contiguous: the last one moves into the hole.
      const last = this.slots.length - 1;
      this.pool!.move(last, slot);
      this.slots[slot] = this.slots[last]!;
      this.slots.pop();
      this.pool!.clear(last);
    }
  }

  private async prefillStep(): Promise<void> {
    const pending = this.active.filter((sequence) => sequence.prefilling);
    if (pending.length === 0) return;
    const decoding = this.active.length - pending.length;
    // A sequence already feeding its prompt through the runner's cache continues.
    if (this.solo?.prefilling) return this.prefillSoloChunk(this.solo);
    const alone = pending.length === 1 && decoding === 0;
    const viaRunner = pending.find(
      (sequence) =>
        alone ||
        sequence.request.promptIds.length > this.prefillChunk ||
        this.sharedWithRunner(sequence) >= this.minReusedPrefix,
    );
    if (viaRunner || !this.runner.batchable) return this.startSolo(viaRunner ?? pending[0]!);
    // Fresh short prompts together, straight into new slots (padded to the longest: the padded size is bounded to
    // keep the run's latency near two chunks'). The context does not bound it: each sequence is rotated on its own.
    const budget = 2 * this.prefillChunk;
    const group: SequenceStream[] = [];
    let longest = 0;
    for (const sequence of pending) {
      const length = sequence.request.promptIds.length;
      const width = Math.max(longest, length);
      if (group.length > 0 && width * (group.length + 1) > budget) break;
      group.push(sequence);
      longest = width;
    }
    await this.prefillBatch(group);
  }

  private sharedWithRunner(sequence: SequenceStream): number {
    const cached = this.runner.tokenIds;
    const prompt = sequence.request.promptIds;
    const limit = Math.min(cached.length, prompt.length - 1);
    let shared = 0;
    while (shared < limit && cached[shared] === prompt[shared]) shared++;
    return shared;
  }

  /** Makes `sequence` the owner of the runner's cache (moving a decoding owner into a slot) and feeds its first chunk. */
  private async startSolo(sequence: SequenceStream): Promise<void> {
    if (this.solo && this.solo !== sequence) this.moveSoloToSlot();
    this.solo = sequence;
    sequence.cachedPromptTokens = this.runner.reusePrefix(sequence.request.promptIds);
    sequence.prefilled = sequence.cachedPromptTokens;
    await this.prefillSoloChunk(sequence);
  }

  private async prefillSoloChunk(sequence: SequenceStream): Promise<void> {
    const prompt = sequence.request.promptIds;
    const chunk = prompt.slice(sequence.prefilled, sequence.prefilled + this.prefillChunk);
    const logits = await this.runner.forward(chunk);
    sequence.prefilled += chunk.length;
    if (!sequence.prefilling) sequence.accept(logits, 0, this.runner.shape.vocabSize);
  }

  private async prefillBatch(group: readonly SequenceStream[]): Promise<void> {
    const pool = this.slotPool();
    const first = this.slots.length;
    for (const sequence of group) {
      pool.clear(this.slots.length);
      this.slots.push(sequence);
    }
    const logits = await this.runner.forwardBatch(
      pool,
      group.map((sequence) => sequence.request.promptIds),
      first,
    );
    const vocab = this.runner.shape.vocabSize;
    group.forEach((sequence, index) => {
      sequence.prefilled = sequence.request.promptIds.length;
      sequence.accept(logits, index * vocab, vocab);
    });
  }

  private async decodeStep(): Promise<void> {
    this.dropEnded();
    const decoding = this.active.filter((sequence) => !sequence.prefilling && !sequence.finished);
    if (decoding.length === 0) return;
    const vocab = this.runner.shape.vocabSize;
    const onlyOne = decoding.length === 1 && this.active.length === 1;
    if (onlyOne && this.slots.length === 1 && this.solo === undefined) {
      // Alone again: back to the runner's cache (single-sequence speed, prefix reuse afterwards).
      const sequence = this.slots.pop()!;
      this.runner.adoptSlot(this.pool!, 0, sequence.ids);
      this.pool!.clear(0);
      this.solo = sequence;
    }
    if (this.solo && !this.solo.prefilling && (!onlyOne || !this.runner.batchable)) {
      if (this.runner.batchable) this.moveSoloToSlot();
    }
    if (this.solo && !this.solo.prefilling && decoding.includes(this.solo)) {
      // The one decoding sequence in the runner's cache (or a graph that cannot batch).
      const sequence = this.solo;
      const token = sequence.next!;
      const logits = await this.runner.forward([token]);
      sequence.ids.push(token);
      sequence.accept(logits, 0, vocab);
      return;
    }
    if (this.slots.length === 0) return;
    const batch = [...this.slots];
    const logits = await this.runner.forwardBatch(
      this.pool!,
      batch.map((sequence) => [sequence.next!]),
    );
    batch.forEach((sequence, index) => {
      sequence.ids.push(sequence.next!);
      sequence.accept(logits, index * vocab, vocab);
    });
  }

  /** Copies the decoding sequence of the runner's cache into a new slot; the runner's cache keeps its tokens (for prefix reuse). */
  private moveSoloToSlot(): void {
    const sequence = this.solo;
    if (!sequence) return;
    this.solo = undefined;
    const pool = this.slotPool();
    pool.load(this.slots.length, this.runner.cache);
    this.slots.push(sequence);
  }

  private slotPool(): SlotKvPool {
    const { numLayers, numKeyValueHeads, headDim, maxLength } = this.runner.shape;
    this.pool ??= new SlotKvPool({
      numLayers,
      numKeyValueHeads: numKeyValueHeads!,
      headDim: headDim!,
      maxLength,
      initialSlots: Math.min(this.maxBatchSize, 4),
    });
    return this.pool;
  }

  /** A run failed: every running sequence ends with the error; the caches start empty. */
  private failAll(error: unknown): void {
    for (const sequence of this.active.splice(0)) sequence.fail(error);
    for (let slot = 0; slot < this.slots.length; slot++) this.pool?.clear(slot);
    this.slots.length = 0;
    this.solo = undefined;
    this.runner.reset();
  }
}
