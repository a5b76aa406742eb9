"""Shrink the bundled MiniLM sentence model into the pipeline's text encoder.

MiniLM-L6 (all-MiniLM-L6-v2) gives the generator real language understanding, but
it is about 90 MB in float32 and the whole bundled model must stay under 40 MB.
Almost all of its rows are word embeddings for a 30,522-token vocabulary, so we
keep the most frequent tokens plus every character piece (any word can still be
spelled out, so nothing new becomes [UNK] except rare symbols), cut position
embeddings to the pipeline's 77 tokens, and store it in float16. The transformer
layers are kept whole and frozen.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import BertConfig, BertModel, BertTokenizer

from safety.minilm_onnx import minilm_path

MAX_LENGTH = 77  # what StableDiffusionPipeline pads and truncates to
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def read_vocab(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def kept_token_ids(vocab: list[str], frequent: int, must_keep: set[str]) -> list[int]:
    """Ids to keep, in their original order.

    BERT's vocabulary lists word pieces roughly by frequency after the single
    characters, so the first `frequent` non-special tokens are the common words.
    """
    kept = []
    for token_id, token in enumerate(vocab):
        single_char = len(token) == 1 or (token.startswith("##") and len(token) == 3)
        if (
            token in SPECIAL_TOKENS
            or single_char
            or token in must_keep
            or (token_id < frequent and not token.startswith("[unused"))
        ):
            kept.append(token_id)
    return kept


def world_tokens(tokenizer: BertTokenizer, phrases: list[str]) -> set[str]:
    """Every original token the world's captions use, so they tokenise as before."""
    tokens: set[str] = set()
    for phrase in phrases:
        tokens.update(tokenizer.tokenize(phrase))
    return tokens


def shrink_minilm(out_dir: Path, phrases: list[str], frequent: int = 6000) -> None:
    """Write a float16 BertModel and its tokenizer with a pruned vocabulary to `out_dir`.

    `out_dir` gets `text_encoder/` and `tokenizer/` subfolders, as a diffusers
    pipeline folder expects.
    """
    source = minilm_path()
    vocab = read_vocab(source / "vocab.txt")
    original_tokenizer = BertTokenizer(vocab={t: i for i, t in enumerate(vocab)})
    kept = kept_token_ids(vocab, frequent, world_tokens(original_tokenizer, phrases))
    new_vocab = {vocab[old]: new for new, old in enumerate(kept)}

    model = BertModel.from_pretrained(source, dtype=torch.float32)
    config = BertConfig(
        **{
            **model.config.to_dict(),
            "vocab_size": len(kept),
            "max_position_embeddings": MAX_LENGTH,
            "pad_token_id": new_vocab["[PAD]"],
            # StableDiffusionPipeline passes the attention mask only when this is set;
            # BERT's token states are what MiniLM was trained to produce with it.
            "use_attention_mask": True,
        }
    )
    small = BertModel(config)
    state = model.state_dict()
    state["embeddings.word_embeddings.weight"] = state["embeddings.word_embeddings.weight"][kept]
    state["embeddings.position_embeddings.weight"] = state["embeddings.position_embeddings.weight"][
        :MAX_LENGTH
    ]
    state.pop("embeddings.position_ids", None)
    state.pop("embeddings.token_type_ids", None)
    small.load_state_dict(state, strict=False)
    small.to(torch.float16).save_pretrained(out_dir / "text_encoder", safe_serialization=True)

    tokenizer = BertTokenizer(vocab=new_vocab, model_max_length=MAX_LENGTH)
    tokenizer.save_pretrained(out_dir / "tokenizer")
