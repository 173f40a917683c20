import { describe, expect, it } from 'vitest';
import { planExternalData } from './plan-external-data.js';

const tensor = (byteLength: number) => ({ bytes: { byteLength } });
const options = { thresholdBytes: 1024, alignThresholdBytes: 1024 * 1024 };

describe('planExternalData', () => {
  it('externalizes tensors from the threshold on, 64-byte aligned, large ones at 64 KiB', () => {
    const tensors = [tensor(4), tensor(1030), tensor(2 * 1024 * 1024), tensor(1024), tensor(3 * 1024 * 1024)];
    const plan = planExternalData(tensors, { ...options, externalData: true });
    expect([...plan.offsets.entries()].map(([t, offset]) => [tensors.indexOf(t), offset])).toEqual([
      [1, 0],
      [2, 65536],
      [3, 65536 + 2 * 1024 * 1024],
      [4, 2 * 65536 + 2 * 1024 * 1024],
    ]);
    expect(plan.dataBytes).toBe(2 * 65536 + 5 * 1024 * 1024);
    expect(plan.inlineBytes).toBe(4);
  });

  it("'auto' externalizes only when inline weights would not fit in a protobuf message", () => {
    const small = [tensor(1e9), tensor(1e9)];
    expect(planExternalData(small, { ...options, externalData: 'auto' }).offsets.size).toBe(0);
    const large = [tensor(1.5e9), tensor(1.5e9), tensor(10)];
    const plan = planExternalData(large, { ...options, externalData: 'auto' });
    expect(plan.offsets.size).toBe(2);
    expect(plan.inlineBytes).toBe(10);
    expect(planExternalData(large, { ...options, externalData: false }).inlineBytes).toBe(3e9 + 10);
  });
});
