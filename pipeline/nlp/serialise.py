"""A parsed doc as bytes for the doc cache: its token attribute arrays and the strings they name.

Why not `DocBin`: writing one collects its strings by walking every token in Python (nine
attribute lookups each) and packs with msgpack and zlib level 6; reading one goes through srsly's
msgpack, which looks up its plugin registry and the installed packages' entry points on every
call, and creates a vocabulary entry for every string, tags and lemmas included. Here the strings
are the unique hashes of the string-valued columns (one numpy pass), and the arrays go to zlib
level 1: ≈ 0.7 ms to write and ≈ 0.7 ms to read an article of 650 tokens, against 2.1 and 1.1 ms
(docs/performance.md). Reading gives the same doc `DocBin` gives: the same arrays, spaces,
entities, sentence starts and span groups (tests/test_pipeline_stages.py).
"""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np
from spacy import attrs
from spacy.tokens import Doc
from spacy.vocab import Vocab

MAGIC = b"FLDOC1"  # a file of another format (an older cache) fails this and is parsed again
# DocBin's default attributes: everything the model, the sentence presets and the ruler set
ATTRS = ("ORTH", "NORM", "TAG", "HEAD", "DEP", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID", "ENT_ID", "LEMMA",
         "MORPH", "POS", "SENT_START")
_IDS = [getattr(attrs, name) for name in ATTRS]
# columns holding string hashes (the others are offsets, flags and part-of-speech symbols)
_STRING_COLUMNS = [i for i, name in enumerate(ATTRS) if name not in ("HEAD", "ENT_IOB", "POS", "SENT_START")]
_HEADER = struct.Struct("<I")


def doc_to_bytes(doc: Doc) -> bytes:
    array = doc.to_array(_IDS)
    spaces = doc.to_array(attrs.SPACY).astype(np.uint8)
    strings = doc.vocab.strings
    names = [strings[h] for h in np.unique(array[:, _STRING_COLUMNS]).tolist()]
    spans = b""
    if doc.spans:
        spans = doc.spans.to_bytes()
        names += [name for group in doc.spans.values() for span in group
                  for name in (span.label_, span.kb_id_, span.id_)]
    header = json.dumps({
        "attrs": ATTRS, "n": len(doc), "strings": names, "cats": doc.cats,
        "unknown_spaces": doc.has_unknown_spaces, "spans": len(spans),
    }).encode()
    return MAGIC + _HEADER.pack(len(header)) + zlib.compress(header + array.tobytes() + spaces.tobytes() + spans, 1)


def doc_from_bytes(vocab: Vocab, data: bytes) -> Doc:
    """The doc written by `doc_to_bytes`; ValueError for bytes of another format or a torn file."""
    if not data.startswith(MAGIC):
        raise ValueError("not a Frontline doc file")
    (size,) = _HEADER.unpack_from(data, len(MAGIC))
    raw = zlib.decompress(data[len(MAGIC) + _HEADER.size:])
    header = json.loads(raw[:size])
    if tuple(header["attrs"]) != ATTRS:
        raise ValueError("doc file written with other attributes")
    n = header["n"]
    for name in header["strings"]:
        vocab.strings.add(name)
    array = np.frombuffer(raw, dtype=np.uint64, count=n * len(ATTRS), offset=size).reshape(n, len(ATTRS))
    at = size + array.nbytes
    spaces = np.frombuffer(raw, dtype=np.uint8, count=n, offset=at).astype(bool).tolist()
    at += n
    if len(raw) != at + header["spans"]:
        raise ValueError("torn doc file")
    doc = Doc(vocab, words=array[:, 0], spaces=None if header["unknown_spaces"] else spaces).from_array(_IDS, array)
    doc.cats = header["cats"]
    if header["spans"]:
        doc.spans.from_bytes(raw[at:])
    return doc
