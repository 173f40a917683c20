"""A small byte-level BPE trainer and encoder whose output is a Hugging Face `tokenizer.json`.

Pre-tokenization is GPT-2's (the `ByteLevel` pre-tokenizer with its regex), so the file
loads in `tokenizers` / `@huggingface/tokenizers` and encodes exactly as `encode` below.
"""

import collections
import json

import regex

GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
END_OF_TEXT = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's reversible map from the 256 byte values to printable characters."""
    visible = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = visible[:]
    n = 0
    for b in range(256):
        if b not in visible:
            visible.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(visible, map(chr, chars)))


BYTE_CHARS = bytes_to_unicode()


def pretokenize(text):
    """GPT-2 pre-tokens of `text`, each as its byte-level characters."""
    return ["".join(BYTE_CHARS[b] for b in piece.encode("utf-8")) for piece in GPT2_PATTERN.findall(text)]


def train_bpe(texts, vocab_size):
    """Learns merges until the vocabulary (END_OF_TEXT + 256 bytes + merges) has `vocab_size` entries.

    Returns (vocab: token -> id, merges: list of (left, right)). Ties between equally frequent
    pairs go to the pair seen first, so the result is deterministic.
    """
    word_counts = collections.Counter()
    for text in texts:
        word_counts.update(pretokenize(text))
    vocab = {END_OF_TEXT: 0}
    for b in range(256):
        vocab[BYTE_CHARS[b]] = len(vocab)
    words = [list(w) for w in word_counts]
    freqs = list(word_counts.values())
    pair_counts = collections.Counter()
    where = collections.defaultdict(set)
    for i, word in enumerate(words):
        for pair in zip(word, word[1:]):
            pair_counts[pair] += freqs[i]
            where[pair].add(i)
    merges = []
    while len(vocab) < vocab_size and pair_counts:
        best = max(pair_counts, key=pair_counts.__getitem__)
        if pair_counts[best] < 2:
            break
        left, right = best
        merged = left + right
        merges.append(best)
        vocab[merged] = len(vocab)
        for i in sorted(where.pop(best)):
            word = words[i]
            for pair in zip(word, word[1:]):
                pair_counts[pair] -= freqs[i]
                if pair_counts[pair] <= 0:
                    del pair_counts[pair]
            new_word = []
            j = 0
            while j < len(word):
                if j + 1 < len(word) and word[j] == left and word[j + 1] == right:
                    new_word.append(merged)
                    j += 2
                else:
                    new_word.append(word[j])
                    j += 1
            words[i] = new_word
            for pair in zip(new_word, new_word[1:]):
                pair_counts[pair] += freqs[i]
                where[pair].add(i)
        pair_counts.pop(best, None)
    return vocab, merges


class Encoder:
    """Encodes text with a trained vocabulary and merges, as the `BPE` model of `tokenizers` does."""

    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.ranks = {pair: rank for rank, pair in enumerate(merges)}
        self.cache = {}

    def encode_word(self, word):
        ids = self.cache.get(word)
        if ids is not None:
            return ids
        symbols = list(word)
        while len(symbols) > 1:
            ranked = [(self.ranks.get(pair, 1 << 30), i) for i, pair in enumerate(zip(symbols, symbols[1:]))]
            rank, i = min(ranked)
            if rank == 1 << 30:
                break
            symbols[i : i + 2] = [symbols[i] + symbols[i + 1]]
        ids = [self.vocab[s] for s in symbols]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        """Token ids of `text` (no special tokens inside it)."""
        out = []
        for word in pretokenize(text):
            out.extend(self.encode_word(word))
        return out


def tokenizer_json(vocab, merges):
    """The `tokenizer.json` document: GPT-2's layout (ByteLevel pre-tokenizer, decoder and post-processor)."""
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": vocab[END_OF_TEXT],
                "content": END_OF_TEXT,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
        ],
        "normalizer": None,
        "pre_tokenizer": byte_level,
        "post_processor": {**byte_level, "trim_offsets": False},
        "decoder": byte_level,
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": vocab,
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }


def write_tokenizer(path, vocab, merges):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False, indent=1)
        f.write("\n")
