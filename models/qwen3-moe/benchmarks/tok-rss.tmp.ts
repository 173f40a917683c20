import { readFileSync } from 'node:fs';
import { TextTokenizer } from '@pio/engine';
const rss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024);
const a = rss();
const t = await TextTokenizer.fromCheckpoint('/tmp/moe-step-profile-8/ckpt/');
console.log('tokenizer', rss() - a, 'MiB', t.encode('hello world').length);
