"""Encode documents in Python and write the files `tartan index <dir> --vectors` imports.

    python3 examples/export-vectors.py OUT_DIR [pylate|fastembed|demo]

pylate and fastembed encode with answerdotai/answerai-colbert-small-v1 (dim 96); demo writes random
unit vectors of dim 96 without a download, to try the file formats. Then:

    tartan index ./idx --vectors OUT_DIR/vectors.npz --docs OUT_DIR/docs.jsonl --model answerdotai/answerai-colbert-small-v1
"""
import json
import sys

import numpy as np

MODEL = "answerdotai/answerai-colbert-small-v1"
docs = [
    {"id": "aspirin", "text": "Aspirin lowers fever and eases mild pain.", "metadata": {"year": 2001}},
    {"id": "salt", "text": "Eating less salt lowers blood pressure.", "metadata": {"year": 2015}},
    {"id": "sleep", "text": "Adults need seven to nine hours of sleep.", "metadata": {"year": 2019}},
]


def encode(texts, encoder):
    """One [tokens, dim] array per text."""
    if encoder == "pylate":
        from pylate import models

        return models.ColBERT(model_name_or_path=MODEL).encode(texts, is_query=False)
    if encoder == "fastembed":
        from fastembed import LateInteractionTextEmbedding

        return list(LateInteractionTextEmbedding(MODEL).embed(texts))
    rng = np.random.default_rng(0)
    vectors = [rng.standard_normal((len(t.split()) + 2, 96)) for t in texts]
    return [v / np.linalg.norm(v, axis=1, keepdims=True) for v in vectors]


out = sys.argv[1]
vectors = [np.asarray(v, dtype=np.float32) for v in encode([d["text"] for d in docs], sys.argv[2] if len(sys.argv) > 2 else "demo")]

# One array per document (arr_0, arr_1, ... in the order of docs.jsonl) ...
np.savez(f"{out}/vectors.npz", *vectors)
# ... or one flat [total_tokens, dim] array plus the token count of each document.
np.savez(f"{out}/flat.npz", vectors=np.concatenate(vectors), lengths=np.array([len(v) for v in vectors], dtype=np.int64))
# Ids, texts (stored, shown with hits, used by BM25) and metadata (filters), one line per document, same order.
with open(f"{out}/docs.jsonl", "w", encoding="utf-8") as f:
    for d in docs:
        f.write(json.dumps(d) + "\n")
print(f"wrote {len(vectors)} documents to {out}: vectors.npz, flat.npz, docs.jsonl")
