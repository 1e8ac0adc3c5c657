"""Raw layer: read every article record under the seeds folder, reject what cannot be read.

One bad file or line never stops the rest: each problem becomes a `Rejection` with a reason that
starts with a stable code (see docs/ingestion.md for the list).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .dates import parse_meta_date

ARTICLE_EXTENSIONS = {".txt", ".jsonl"}

# Files that live in the seeds folder but are not articles. Compared case-insensitively.
IGNORED_NAMES = {"baseline_control.csv", "thumbs.db", "desktop.ini"}
IGNORED_STEMS = {"readme", "license", "licence", "changelog"}

TEXT_FIELDS = ("text", "maintext", "content", "body", "article", "article_text", "full_text")
TITLE_FIELDS = ("title", "headline")
DATE_FIELDS = (
    "published", "date_publish", "date", "publish_date", "published_at", "publishedAt",
    "date_published", "datePublished", "pubdate", "published_date", "datetime",
)  # fmt: skip
URL_FIELDS = ("url", "link", "source_url", "canonical_url")
PUBLISHER_FIELDS = ("publisher", "source", "source_name", "site_name", "hostname", "source_domain")

BINARY_SNIFF_BYTES = 8192
# spaCy refuses longer texts (Language.max_length) and one such record would fail the whole NLP
# step; anything this long is a dump or a concatenated feed, not one article.
MAX_ARTICLE_CHARS = 1_000_000


@dataclass
class RawRecord:
    article_id: str
    source_path: str  # relative to the seeds folder, posix separators
    content_sha256: str  # of the decoded, NFC-normalised text
    raw_text: str  # decoded text, BOM removed, otherwise untouched
    encoding: str
    record_format: str  # 'txt' | 'jsonl'
    meta_published: str | None = None
    meta_published_date: dt.date | None = None
    meta_date_error: str | None = None
    meta_publisher: str | None = None
    meta_url: str | None = None
    meta_title: str | None = None
    line: int | None = None  # 1-based line of a JSONL record
    sidecar_path: str | None = None
    n_bytes: int = 0

    def meta(self) -> dict:
        """The metadata dict `clean_article` takes."""
        return {
            "published": self.meta_published_date,
            "publisher": self.meta_publisher,
            "title": self.meta_title,
            "url": self.meta_url,
        }


@dataclass
class Rejection:
    source_path: str
    reason: str  # "<code>: <details>"
    line: int | None = None

    @property
    def code(self) -> str:
        return self.reason.split(":", 1)[0]


@dataclass
class _Decoded:
    text: str | None = None
    encoding: str | None = None
    error: str | None = None


def _sha256(text: str) -> str:
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


def _looks_utf16_without_bom(data: bytes) -> str | None:
    sample = data[:BINARY_SNIFF_BYTES]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes) -> _Decoded:
    """Decode article bytes: BOMs first, then strict UTF-8, then charset detection.

    Legacy single-byte files are read as cp1252 when the detector's best guess is a Latin-script
    encoding and cp1252 decodes the bytes to Western characters: short English texts are often
    "detected" as cp1250 or cp775, which decode the same ASCII but turn curly quotes and accents
    into the wrong letters. A Cyrillic or Greek legacy file keeps the detector's encoding.
    """
    if not data:
        return _Decoded(error="empty_file: 0 bytes")
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _Decoded(data.decode(enc), enc)
            except UnicodeDecodeError as exc:
                return _Decoded(error=f"undecodable: starts with a {enc} byte-order mark but {exc}")
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        enc16 = _looks_utf16_without_bom(data)
        if enc16:
            try:
                return _Decoded(data.decode(enc16), enc16)
            except UnicodeDecodeError:
                pass
        return _Decoded(error=f"binary_file: NUL bytes in first {BINARY_SNIFF_BYTES // 1024} KiB")
    try:
        return _Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    lenient = data.decode("utf-8", errors="replace")
    n_bad = lenient.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    n_good = sum(1 for ch in lenient if ord(ch) > 0x7F and ch != "\ufffd")
    if n_good > n_bad:
        # Valid multi-byte UTF-8 outnumbers the broken sequences: a UTF-8 file with a few corrupt
        # bytes (a truncated copy, a bad paste). A legacy reading would garble every good accent.
        return _Decoded(lenient, f"utf-8 ({n_bad} invalid sequences replaced)")
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return _Decoded(
            error=f"undecodable: not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
            "and no legacy encoding fits"
        )
    best = matches[0]
    best_text = str(best)
    western = _cp1252_if_western(data)
    mostly_ascii = sum(1 for b in data if b > 0x7F) <= 0.05 * len(data)
    if western is not None and mostly_ascii:
        # English with a few legacy accents or quotes: the detector guesses wildly on so little
        # evidence (cp1006 turned two stray bytes of an English text into Arabic letters).
        return _Decoded(western, "cp1252")
    if western is not None and _mostly_latin(best_text):
        return _Decoded(western, "cp1252")
    return _Decoded(best_text, best.encoding)


# Non-ASCII characters a Western-European/English cp1252 text plausibly contains.
_WESTERN = set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ") | {chr(c) for c in range(0xA0, 0x100)}


def _cp1252_if_western(data: bytes) -> str | None:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if all(ch.isascii() or ch in _WESTERN for ch in text):
        return text
    return None


def _mostly_latin(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha() and not ch.isascii()]
    if not letters:
        return True
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    return latin / len(letters) >= 0.8


# Category Cc (U+0000-U+001F, U+007F-U+009F) without the whitespace controls \t \n \v \f \r.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _control_ratio(text: str) -> float:
    sample = text[:BINARY_SNIFF_BYTES]
    return len(_BINARY_CONTROLS.findall(sample)) / max(1, len(sample))


def _first_str(d: dict, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        v = d.get(key)
        if isinstance(v, dict):  # e.g. NewsAPI's {"source": {"id": ..., "name": ...}}
            v = v.get("name") or v.get("title")
        if isinstance(v, list):
            v = next((x for x in v if isinstance(x, str) and x.strip()), None)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def _first_present(d: dict, keys: tuple[str, ...]) -> tuple[str | None, object]:
    for key in keys:
        if key in d and d[key] not in (None, ""):
            return key, d[key]
    return None, None


def _apply_meta(rec: RawRecord, d: dict) -> None:
    _, raw_date = _first_present(d, DATE_FIELDS)
    if raw_date is not None:
        rec.meta_published = raw_date if isinstance(raw_date, str) else json.dumps(raw_date)
        rec.meta_published_date, rec.meta_date_error = parse_meta_date(raw_date)
    rec.meta_publisher = _first_str(d, PUBLISHER_FIELDS)
    rec.meta_url = _first_str(d, URL_FIELDS)
    rec.meta_title = _first_str(d, TITLE_FIELDS)


def _is_ignored(name: str) -> bool:
    lower = name.lower()
    if name.startswith(".") or lower in IGNORED_NAMES or name.startswith("~$"):
        return True
    stem = lower.split(".", 1)[0]
    return stem in IGNORED_STEMS


def _walk(root: Path, root_resolved: Path, rel: str, out: list[tuple[str, Path]], rej: list[Rejection]):
    try:
        entries = sorted(os.scandir(root / rel if rel else root), key=lambda e: e.name)
    except OSError as exc:
        rej.append(Rejection(rel or ".", f"unreadable_directory: {exc.strerror or exc}"))
        return
    for entry in entries:
        name = entry.name
        relpath = f"{rel}/{name}" if rel else name
        if _is_ignored(name) or name == "__pycache__":
            continue
        try:
            relpath.encode("utf-8")
        except UnicodeEncodeError:
            rej.append(
                Rejection(
                    relpath.encode("utf-8", "replace").decode("utf-8"),
                    f"undecodable_filename: {os.fsencode(relpath)!r} is not valid UTF-8",
                )
            )
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError) as exc:
                rej.append(Rejection(relpath, f"broken_symlink: {os.readlink(path)!r} ({exc.__class__.__name__})"))
                continue
            if not target.is_relative_to(root_resolved):
                rej.append(
                    Rejection(relpath, f"symlink_outside_seeds: points to {target} outside the seeds folder")
                )
                continue
            if target.is_dir():
                # Not followed: a link to a folder inside seeds would read the same files twice
                # under other ids (or loop forever).
                rej.append(Rejection(relpath, f"symlinked_directory: not followed (points to {target})"))
                continue
        if entry.is_dir(follow_symlinks=False):
            _walk(root, root_resolved, relpath, out, rej)
        elif entry.is_file():
            out.append((relpath, path))
        else:
            rej.append(Rejection(relpath, "not_a_regular_file: device, socket or pipe"))


def read_corpus(seeds_dir: Path, max_bytes: int = 20_000_000) -> tuple[list[RawRecord], list[Rejection]]:
    """Read every `*.txt` (with optional `<stem>.json` sidecar) and `*.jsonl` record under seeds_dir.

    Subfolders are walked recursively in sorted order so ids and row order are deterministic.
    Returns records in that order and one `Rejection` per rejected file, line or sidecar.
    """
    root = Path(seeds_dir)
    records: list[RawRecord] = []
    rejections: list[Rejection] = []
    if not root.is_dir():
        return [], [Rejection(str(root), f"missing_seeds_dir: {root} is not a folder")]
    files: list[tuple[str, Path]] = []
    _walk(root, root.resolve(), "", files, rejections)
    relpaths = {r for r, _ in files}
    for relpath, path in files:
        suffix = Path(relpath).suffix.lower()
        stem_rel = relpath[: -len(suffix)] if suffix else relpath
        if suffix == ".json":
            if stem_rel + ".txt" in relpaths:
                continue
            rejections.append(
                Rejection(relpath, f"orphan_sidecar: no {Path(stem_rel).name}.txt beside this .json")
            )
            continue
        if suffix not in ARTICLE_EXTENSIONS:
            rejections.append(
                Rejection(relpath, f"unsupported_extension: {suffix or '(none)'} (only .txt and .jsonl are read)")
            )
            continue
        try:
            size = path.stat().st_size
        except OSError as exc:
            rejections.append(Rejection(relpath, f"unreadable: {exc.strerror or exc}"))
            continue
        if size > max_bytes:
            rejections.append(Rejection(relpath, f"too_large: {size:,} bytes > max {max_bytes:,}"))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            rejections.append(Rejection(relpath, f"unreadable: {exc.strerror or exc}"))
            continue
        decoded = decode_bytes(data)
        if decoded.error:
            rejections.append(Rejection(relpath, decoded.error))
            continue
        assert decoded.text is not None and decoded.encoding is not None
        text = decoded.text.lstrip("\ufeff")
        if _control_ratio(text) > 0.05:
            rejections.append(
                Rejection(relpath, f"binary_file: {_control_ratio(text):.0%} control characters after decoding as {decoded.encoding}")
            )
            continue
        if not text.strip():
            rejections.append(Rejection(relpath, f"empty_file: {size:,} bytes of whitespace only"))
            continue
        if suffix == ".txt":
            if len(text) > MAX_ARTICLE_CHARS:
                rejections.append(Rejection(relpath, _too_long(len(text))))
                continue
            rec = RawRecord(
                article_id=stem_rel,
                source_path=relpath,
                content_sha256=_sha256(text),
                raw_text=text,
                encoding=decoded.encoding,
                record_format="txt",
                n_bytes=size,
            )
            _read_sidecar(root, relpath, stem_rel, relpaths, rec, rejections)
            records.append(rec)
        else:
            records.extend(_read_jsonl(relpath, stem_rel, text, decoded.encoding, rejections))
    return records, rejections


def _too_long(n_chars: int) -> str:
    return f"too_long: {n_chars:,} characters > max {MAX_ARTICLE_CHARS:,} for one article"


def _read_sidecar(root: Path, relpath: str, stem_rel: str, relpaths: set[str], rec: RawRecord, rej: list[Rejection]):
    sidecar = stem_rel + ".json"
    if sidecar not in relpaths:
        return
    rec.sidecar_path = sidecar
    suffix_note = f"; {relpath} ingested without its metadata"
    try:
        data = (root / sidecar).read_bytes()
    except OSError as exc:
        rej.append(Rejection(sidecar, f"malformed_sidecar: unreadable ({exc.strerror or exc}){suffix_note}"))
        return
    decoded = decode_bytes(data)
    if decoded.error or decoded.text is None:
        rej.append(Rejection(sidecar, f"malformed_sidecar: {decoded.error}{suffix_note}"))
        return
    try:
        meta = json.loads(decoded.text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        rej.append(Rejection(sidecar, f"malformed_sidecar: {exc}{suffix_note}"))
        return
    if not isinstance(meta, dict):
        rej.append(
            Rejection(sidecar, f"malformed_sidecar: expected a JSON object, got {type(meta).__name__}{suffix_note}")
        )
        return
    _apply_meta(rec, meta)


def _read_jsonl(relpath: str, stem_rel: str, text: str, encoding: str, rej: list[Rejection]) -> list[RawRecord]:
    out: list[RawRecord] = []
    # Split on "\n" only: U+2028 and friends are legal inside JSON strings.
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rej.append(Rejection(relpath, f"malformed_json_line: line {lineno}: {exc}", line=lineno))
            continue
        if not isinstance(obj, dict):
            rej.append(
                Rejection(
                    relpath,
                    f"malformed_json_line: line {lineno}: expected a JSON object, got {type(obj).__name__}",
                    line=lineno,
                )
            )
            continue
        key, body = _first_present(obj, TEXT_FIELDS)
        if key is None:
            rej.append(
                Rejection(
                    relpath,
                    f"missing_text_field: line {lineno} has none of {'/'.join(TEXT_FIELDS)}",
                    line=lineno,
                )
            )
            continue
        if not isinstance(body, str):
            rej.append(
                Rejection(
                    relpath,
                    f"missing_text_field: line {lineno} field {key!r} is a {type(body).__name__}, not text",
                    line=lineno,
                )
            )
            continue
        if not body.strip():
            rej.append(Rejection(relpath, f"empty_text: line {lineno} field {key!r} is blank", line=lineno))
            continue
        if len(body) > MAX_ARTICLE_CHARS:
            rej.append(Rejection(relpath, f"{_too_long(len(body))} (line {lineno})", line=lineno))
            continue
        rec = RawRecord(
            article_id=f"{stem_rel}#{lineno}",
            source_path=relpath,
            content_sha256=_sha256(body),
            raw_text=body,
            encoding=encoding,
            record_format="jsonl",
            line=lineno,
            n_bytes=len(line.encode("utf-8")),
        )
        _apply_meta(rec, obj)
        out.append(rec)
    return out


__all__ = [
    "RawRecord", "Rejection", "read_corpus", "decode_bytes", "IGNORED_NAMES", "IGNORED_STEMS", "MAX_ARTICLE_CHARS",
]  # fmt: skip
