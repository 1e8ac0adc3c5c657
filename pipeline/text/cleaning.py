"""Clean layer: normalise an article, strip boilerplate, find headline/headings/dateline, split sentences.

All character offsets produced here (sentences, dateline) refer to `CleanedArticle.body_text`,
the text every later layer parses. The rules are general patterns of news and blog pages (see
docs/ingestion.md); nothing here knows a particular article.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from .dates import DAY_MONTH_RE, MONTH_RE, find_text_dates, parse_meta_date, resolve_day_month
from .language import detect_language

# --------------------------------------------------------------------------------------------
# Normalisation


# Invisible format characters (zero-width, soft hyphen, bidi marks) go; odd spaces become " ".
# Regex classes, not str.translate with a dict, which looks up every character in Python.
_DROP_CHARS = re.compile("[\u200b\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE_CHARS = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\x0b\x0c]")


# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F; the newline stays.
_CONTROL_CHARS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_RUNS_OF_SPACES = re.compile(" {2,}")
# Every character the three classes above match (all in the BMP). Most texts have none, and a
# set test runs at C speed where each regex scan of a character class costs as much as the rest
# of normalise_text.
_ODD_CHARS = frozenset(filter(
    re.compile("|".join(rx.pattern for rx in (_DROP_CHARS, _SPACE_CHARS, _CONTROL_CHARS))).match,
    map(chr, range(0x10000)),
))


def normalise_text(text: str) -> str:
    """NFC, one kind of newline, plain spaces, no invisible format characters, no trailing blanks.

    Curly quotes and dashes are kept (they carry meaning for quote and dateline detection).
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = text.replace("\x85", "\n")
    if not _ODD_CHARS.isdisjoint(text):
        text = _CONTROL_CHARS.sub("", _SPACE_CHARS.sub(" ", _DROP_CHARS.sub("", text)))
    if "  " in text:
        text = _RUNS_OF_SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip("\n")


def normalise_line(line: str) -> str:
    """The comparison key for a line (publisher-repeated lines, headline vs metadata title)."""
    # str.split() and the regex \s split on the same characters (str.isspace)
    return " ".join(unicodedata.normalize("NFKC", line).split()).casefold()


# --------------------------------------------------------------------------------------------
# Results


@dataclass
class Sentence:
    sentence_id: int
    paragraph_id: int
    kind: str  # 'headline' | 'heading' | 'body'
    start_char: int
    end_char: int
    text: str


@dataclass
class CleanedArticle:
    title: str | None
    publisher: str | None
    published_date: dt.date | None
    published_date_source: str  # 'metadata' | 'text' | 'unknown'
    dateline: str | None
    dateline_place: str | None
    body_text: str
    n_words: int
    language: str
    is_english: bool
    boilerplate: list[dict] = field(default_factory=list)  # {"rule": ..., "text": ...}
    sentences: list[Sentence] = field(default_factory=list)
    dateline_publisher: str | None = None
    dateline_date: dt.date | None = None
    dateline_start_char: int | None = None
    dateline_end_char: int | None = None
    publisher_source: str = "unknown"  # 'metadata' | 'dateline' | 'boilerplate' | 'unknown'
    published_date_text: str | None = None  # the text the date came from when source is 'text'
    language_confidence: float = 0.0


# --------------------------------------------------------------------------------------------
# Line shapes

_CLOSERS = "\"'”’»)]}"
_OPENERS = "\"'“‘«([{"
_TERMINAL = ".!?;,:…"
_WORD_RE = re.compile(r"[^\W_]+(?:[’'\-.][^\W_]+)*")
_SMALL_WORDS = {
    "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for", "by", "with",
    "from", "as", "vs", "via", "into", "onto", "over", "amid", "after", "before", "near", "per",
    "is", "are", "its", "their", "his", "her", "up", "off", "out",
}  # fmt: skip
# Lowercase words that make a line read as a clause rather than a title (finite verbs, pronouns).
_CLAUSE_WORDS = {
    "is", "are", "was", "were", "has", "have", "had", "will", "would", "said", "says", "say",
    "told", "can", "could", "should", "been", "be", "did", "does", "do", "it", "they", "he",
    "she", "we", "i", "you", "this", "that", "which", "who", "there",
}  # fmt: skip


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def _last_char(line: str) -> str:
    stripped = line.rstrip(_CLOSERS + " ")
    return stripped[-1:] if stripped else ""


def _title_case_ratio(ws: list[str]) -> float:
    content = [w for w in ws if w.lower() not in _SMALL_WORDS and w[:1].isalpha()]
    if not content:
        return 0.0
    return sum(1 for w in content if w[:1].isupper()) / len(content)


def _starts_upper(line: str) -> bool:
    s = line.lstrip(_OPENERS + " ")
    return bool(s) and (s[0].isupper() or s[0].isdigit())


def looks_like_title(line: str, max_words: int = 25) -> bool:
    """A standalone title line: short, starts with a capital, no sentence-final period."""
    ws = words(line)
    if not ws or len(ws) > max_words or len(line) > 220 or not _starts_upper(line):
        return False
    last = _last_char(line)
    if last in ".;,:":
        return False
    if last in "!?…":
        return len(ws) <= 15 and _title_case_ratio(ws) >= 0.6
    return True


def looks_like_heading(line: str) -> bool:
    """A subheading between paragraphs: a short line without final punctuation."""
    ws = words(line)
    if not ws or len(ws) > 14 or len(line) > 120 or not _starts_upper(line):
        return False
    last = _last_char(line)
    if last in ".;,:":
        return False
    if last in "!?…" and not (len(ws) <= 10 and _title_case_ratio(ws) >= 0.75):
        return False
    if len(ws) >= 8 and sum(1 for w in ws if w in _CLAUSE_WORDS) >= 2 and _title_case_ratio(ws) < 0.6:
        return False  # a sentence that lost its full stop, not a heading
    return True


# --------------------------------------------------------------------------------------------
# Boilerplate patterns (general shapes of blog/news page furniture, never seed sentences)

_I = re.IGNORECASE
LINE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("blog_footer", re.compile(r"^(?:no|\d+|one) comments?\s*:?$", _I)),
    ("blog_footer", re.compile(r"^(?:leave|post|add|write|submit)\s+(?:a\s+|your\s+)?(?:comment|reply)\b.{0,60}$", _I)),
    ("blog_footer", re.compile(r"^powered by\s+\S.{0,40}$", _I)),
    ("blog_footer", re.compile(r"^(?:newer|older)\s+posts?(?:\s+(?:newer|older|home)\s+posts?)*(?:\s+home)?$", _I)),
    ("blog_footer", re.compile(r"^(?:home|menu|search|skip to (?:main )?content|back to top|scroll to top|loading\.*)$", _I)),
    ("blog_footer", re.compile(r"^(?:subscribe|sign up|sign-up)(?:\s+(?:now|here|today))?[.!:]?$", _I)),
    ("blog_footer", re.compile(r"^(?:subscribe|sign up|sign-up|join)\b.{0,80}\b(?:newsletters?|channel|mailing list|inbox|alerts|updates)\b.{0,40}$", _I)),
    ("blog_footer", re.compile(r"^(?:post|posted|labels?|tags?|filed under|categor(?:y|ies))\s*:.{0,150}$", _I)),
    ("blog_footer", re.compile(r"^(?:posted|written)\s+by\s+\S.{0,60}$", _I)),
    ("blog_footer", re.compile(r"^(?:email this|blogthis!?|share to \w+|print this(?: article| page)?|print|email|e-mail)$", _I)),
    ("share_links", re.compile(r"^(?:share|share this(?: (?:article|story|post|page))?|tweet|like this|like)\s*[:!]?$", _I)),
    ("share_links", re.compile(r"^(?:share|share this(?: (?:article|story|post|page))?)\s*(?:on|via|:)\s*.{0,40}$", _I)),
    ("share_links", re.compile(r"^(?:(?:facebook|twitter|x|whatsapp|telegram|linkedin|reddit|pinterest|messenger|copy link|email)[\s,|/·•]*){1,8}$", _I)),
    ("share_links", re.compile(r"^follow (?:us\b|@\w+).{0,60}$|^follow .{1,40} on (?:twitter|x|facebook|telegram|instagram|whatsapp)\b.{0,20}$", _I)),
    ("advertisement", re.compile(r"^(?:advertisement|sponsored(?: content)?|ad|scroll to continue(?: with content)?|continue reading.{0,40})$", _I)),
    ("related_link", re.compile(r"^(?:read (?:more|also)|also read|related(?: articles?| stories| posts| coverage| news)?|see also|more on this(?: story)?|recommended|you may also like|more from \w+)(?:\s*[:\-–—|»›]\s*.{0,200})?$", _I)),
    ("copyright", re.compile(r"^(?:copyright\b|©|\(c\)\s*\d{4}).{0,200}$", _I)),
    ("copyright", re.compile(r"^.{0,150}\ball rights reserved\.?$", _I)),
    ("photo_credit", re.compile(r"^(?:(?:file\s+)?photo|image|picture|video|source|credit)s?\s*(?:credit)?\s*:\s*\S.{0,80}$", _I)),
    ("byline", re.compile(r"^(?:[Bb]y|BY)\s+[A-Z][\w.'’\-]*(?:,?\s+(?:[A-Z][\w.'’\-]*|and|&|of))*(?:\s*[|,–—-]\s*(?:[A-Z][\w.'’\-]*|and|&|of|in|for)(?:\s+(?:[A-Z][\w.'’\-]*|and|&|of|in|for))*)?$")),
    ("date_line", re.compile(r"^(?:published|posted|updated|last updated|date|first published)(?:\s+on|\s*:)\s*(?=.{0,30}\d).{4,60}$", _I)),
]

# Sentence-level disclaimers: removed wherever they sit (often glued into the last paragraph).
SENTENCE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("translation_disclaimer", re.compile(r"\b(?:this|the) (?:article|story|report|piece|text) (?:was|has been|is) (?:translated|originally published|first published)\b", _I)),
    ("translation_disclaimer", re.compile(r"^(?:translated|translation|edited and translated) by\b", _I)),
    ("verification_disclaimer", re.compile(r"\bha(?:s|ve) not (?:independently )?verified (?:the )?(?:content|contents|claims|information|accuracy|authenticity)\b", _I)),
    ("verification_disclaimer", re.compile(r"\bcould not (?:be )?independently verif(?:y|ied)\b.{0,40}\b(?:report|claim|content)s?\.?$", _I)),
    ("responsibility_disclaimer", re.compile(r"\bresponsibility for (?:the )?(?:information|content|opinions?|views?)\b.{0,80}\blies?\b", _I)),
    ("opinion_disclaimer", re.compile(r"\b(?:the )?(?:views|opinions) expressed\b.{0,80}\b(?:are|do not|don't)\b.{0,80}\b(?:author|writer|necessarily)\b", _I)),
    ("automation_disclaimer", re.compile(r"\b(?:was|is|has been) (?:created|generated|produced|written|drafted|compiled) (?:using|with|by)(?: the help of| the assistance of)? (?:automation|automated|ai\b|artificial intelligence|an? (?:ai|automated)|machine)", _I)),
    ("automation_disclaimer", re.compile(r"\b(?:fact-checked|reviewed|edited) by (?:one of )?our (?:editorial )?(?:staff|team|editors)\b", _I)),
    ("wire_disclaimer", re.compile(r"\b(?:published|generated) from an? (?:wire )?(?:agency )?(?:feed|syndicated feed) without modifications?\b", _I)),
    ("credit_line", re.compile(r"^\(?(?:additional )?(?:reporting|writing|editing|compiled|translation) by\b.{0,160}$", _I)),
    ("blog_footer", re.compile(r"^(?:click here|tap here) (?:to|for)\b.{0,120}$", _I)),
]

# Strong end-of-article markers: after one, short lines are page furniture too.
_FOOTER_START_RULES = {"blog_footer", "share_links", "related_link", "copyright"}

_PUBLISHER_FROM_TEXT = [
    re.compile(r"\b(?:translated|edited|produced|published)(?: and (?:edited|translated))? by ((?:[Tt]he )?[A-Z][\w&'’\-]*(?: (?:[A-Z][\w&'’\-]*|of|for|and|&))*)"),
    re.compile(r"(?:©|\bcopyright\b)\s*(?:\(c\)\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)?((?:[Tt]he )?[A-Z][\w&'’\-]*(?: (?:[A-Z][\w&'’\-]*|of|for|and|&))*)", _I),
]

# --------------------------------------------------------------------------------------------
# Datelines: "HAMA, Syria (North Press) –", "DAMASCUS (Reuters) -", "Hama, Syria —",
# "BEIRUT, Dec 5 (AFP) –"

_CAP_WORD = r"[A-Z][\w’'.\-]*"
_PLACE = rf"{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,3}}"
DATELINE_RE = re.compile(
    rf"^(?P<place>{_PLACE}(?:,\s*{_PLACE}){{0,2}}?)"
    rf"(?:,?\s+(?P<date>(?:{MONTH_RE}\s+\d{{1,2}}|\d{{1,2}}\s+{MONTH_RE})(?:,?\s+\d{{4}})?))?"
    rf"(?:\s*\((?P<pub>[A-Z][^()\n]{{1,40}})\))?"
    rf"\s*(?P<dash>--|[-–—:])\s+(?=[\"“‘'(]?[A-Z0-9])"
)


@dataclass
class Dateline:
    text: str
    place: str
    publisher: str | None
    date_text: str | None
    end: int  # offset just past the dateline (and its separator) within the paragraph


def _place_case(place: str) -> str:
    return ", ".join(p.strip().title() if p.strip().isupper() else p.strip() for p in place.split(","))


def parse_dateline(paragraph: str) -> Dateline | None:
    m = DATELINE_RE.match(paragraph)
    if not m:
        return None
    place = m["place"].strip()
    parts = [p.strip() for p in place.split(",")]
    first = parts[0]
    letters = [c for c in first if c.isalpha()]
    all_caps = len(letters) >= 3 and all(c.isupper() for c in letters)
    if m["dash"] == ":" and not all_caps:
        return None
    if not (m["pub"] or all_caps or (m["dash"] in "–—" and len(parts) >= 2)):
        return None
    if len(words(place)) > 6:
        return None
    text = m.group(0).rstrip()
    return Dateline(text, _place_case(place), m["pub"].strip() if m["pub"] else None, m["date"], m.end())


# --------------------------------------------------------------------------------------------
# Sentence splitting

# Abbreviations after which a period never ends a sentence (titles and labels before a name/number).
_NO_SPLIT_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "cpl", "pvt",
    "adm", "brig", "cmdr", "cdr", "gov", "sen", "rep", "pres", "st", "mt", "ft", "rev", "hon",
    "amb", "sec", "no", "nos", "vol", "fig", "approx", "dept", "vs", "e.g", "i.e", "cf", "ca",
    "sheikh", "sh", "messrs", "jr", "sr", "lt.-gen", "maj.-gen", "brig.-gen", "gen.-maj", "op",
    "art", "para", "pp", "p", "km", "mi",
}  # fmt: skip
_MONTH_ABBREV = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
# Words that start a new sentence after an ambiguous "U.S." or "etc.".
_STARTERS = {
    "the", "a", "an", "he", "she", "it", "they", "we", "i", "this", "that", "these", "those", "in",
    "on", "at", "but", "and", "however", "meanwhile", "according", "its", "his", "her", "their",
    "there", "after", "before", "when", "while", "as", "some", "many", "most", "other", "if",
    "for", "since", "officials", "earlier", "later", "last", "yesterday", "today",
}  # fmt: skip
_LOOK = 200  # characters examined either side of a candidate sentence boundary
_BOUNDARY_RE = re.compile(r"(?:[.!?]+|…)[\"'”’»)\]]*(?=\s)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Rule-based sentence spans (start, end) within one paragraph.

    Splits after . ! ? … (with closing quotes/brackets) when the next word starts a sentence,
    except after titles and labels (Gen., No., Dr.), initials (J.), month abbreviations before a
    number (Dec. 5) and dotted acronyms (U.S.) unless a typical sentence opener follows.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _BOUNDARY_RE.finditer(text):
        end = m.end()
        nxt = end
        while nxt < n and text[nxt].isspace():
            nxt += 1
        if nxt >= n:
            break
        # Bounded windows around the boundary: slicing to the end (or from the start) of the
        # paragraph at every full stop made one very long line quadratic (minutes for 3 MB).
        head = text[nxt : nxt + _LOOK].lstrip(_OPENERS)
        if not head or not (head[0].isupper() or head[0].isdigit() or not head[0].isascii() and head[0].isalpha() and not head[0].islower()):
            continue
        punct = m.group(0)
        if punct.startswith(".") and len(punct.rstrip(_CLOSERS)) == 1 and punct == ".":
            before = re.search(r"(\S+)$", text[max(0, m.start() - _LOOK) : m.start()])
            token = before.group(1).lstrip(_OPENERS) if before else ""
            low = token.lower()
            next_word = re.match(r"[\w’'-]+", head)
            next_low = next_word.group(0).lower() if next_word else ""
            if low in _NO_SPLIT_ABBREV or low.split("-")[-1] in {"gen", "col", "maj", "lt"}:
                continue
            if low in _MONTH_ABBREV and head[0].isdigit():
                continue
            if len(token) == 1 and token.isupper():
                continue  # an initial: "J. Smith"
            if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", token) or low == "etc":
                if next_low not in _STARTERS:
                    continue
        if end > start:
            spans.append((start, end))
        start = nxt
    if start < n:
        spans.append((start, n))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


# --------------------------------------------------------------------------------------------
# Related-article link lines


def _stem(word: str) -> str:
    return word.lower()[:5]


def _related_link_score(line: str, other_text_stems: Counter) -> int:
    """How much a title-like line inside the body looks like a link to another story.

    Features: length beyond a typical subheading, a "Topic: Subtitle" colon shape, title case,
    and vocabulary that the rest of the article does not use (a subheading announces what the
    next paragraphs discuss; a link line names another story).
    """
    ws = words(line)
    score = 0
    if len(ws) >= 9:
        score += 1
    if ":" in line:
        left, _, right = line.partition(":")
        if len(words(left)) >= 2 and len(words(right)) >= 4:
            score += 1
    content = [w for w in ws if w.lower() not in _SMALL_WORDS and len(w) > 2]
    if content:
        overlap = sum(1 for w in content if other_text_stems[_stem(w)] > 0) / len(content)
        if overlap < 0.45:
            score += 1
        if overlap < 0.25:
            score += 1
    if _title_case_ratio(ws) < 0.8:
        score -= 2
    return score



# --------------------------------------------------------------------------------------------
# HTML saved as text ("Save page as" a .txt, or a scraper's JSONL `content` field with markup)

_HTML_START_RE = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)
_HTML_CLOSE_TAG_RE = re.compile(
    r"</(?:p|div|span|a|b|i|em|strong|h[1-6]|li|ul|ol|table|tr|td|section|article|body|head|title|script|style)\s*>",
    re.I,
)
# Page furniture whose text is never article prose.
_HTML_SKIP = {"script", "style", "head", "nav", "header", "footer", "aside", "noscript", "template", "form",
              "button", "select", "svg", "iframe", "object", "figure"}  # fmt: skip
_HTML_BLOCK = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "table",
               "section", "article", "main", "blockquote", "pre", "hr", "dd", "dt", "dl", "body",
               "figcaption", "time", "address"}  # fmt: skip
_HTML_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "source", "area", "base", "col", "embed"}


def looks_like_html(text: str) -> bool:
    """A whole HTML page, or a fragment with several closing tags (plain prose has none)."""
    if _HTML_START_RE.match(text[:4096]):
        return True
    return len(_HTML_CLOSE_TAG_RE.findall(text[:200_000])) >= 3


def html_to_text(markup: str) -> str:
    """The readable text of an HTML page: block elements become paragraphs, entities are decoded,
    scripts, styles and page furniture (head, nav, header, footer, aside, forms) are dropped."""
    from html.parser import HTMLParser

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag in _HTML_VOID:
                if tag in _HTML_BLOCK and not self.skip:
                    self.parts.append("\n\n")
                return
            if tag in _HTML_SKIP:
                self.skip.append(tag)
            elif tag in _HTML_BLOCK and not self.skip:
                self.parts.append("\n\n")

        def handle_endtag(self, tag):
            if tag in _HTML_SKIP and tag in self.skip:
                while self.skip and self.skip.pop() != tag:
                    pass
            elif tag in _HTML_BLOCK and not self.skip:
                self.parts.append("\n\n")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(re.sub(r"\s+", " ", data))

    parser = _Text()
    parser.feed(markup)
    parser.close()
    paragraphs = (p.strip() for p in "".join(parser.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


# --------------------------------------------------------------------------------------------
# The cleaner


@dataclass
class _Para:
    text: str
    kind: str  # 'headline' | 'heading' | 'body'


def _match_rule(line: str, rules: list[tuple[str, re.Pattern[str]]]) -> str | None:
    for name, pattern in rules:
        if pattern.search(line):
            return name
    return None


def _publisher_from_boilerplate(texts: Iterable[str]) -> str | None:
    for t in texts:
        for pattern in _PUBLISHER_FROM_TEXT:
            m = pattern.search(t)
            if m:
                name = re.sub(r"\s+(?:and|of|for|&)$", "", m.group(1).strip(" .,;"))
                if len(words(name)) >= 1 and name.lower() not in {"the", "all", "rights"}:
                    return name
    return None


def clean_article(
    raw_text: str,
    meta: dict | None = None,
    publisher_repeated_lines: set[str] | None = None,
) -> CleanedArticle:
    meta = meta or {}
    repeated = publisher_repeated_lines or set()
    boilerplate: list[dict] = []
    if looks_like_html(raw_text):
        # Offsets refer to body_text, so the markup goes before anything else is computed.
        raw_text = html_to_text(raw_text)
        boilerplate.append({"rule": "html_markup", "text": "HTML tags, scripts and page furniture removed"})
    text = normalise_text(raw_text)
    raw_lines = text.split("\n")

    # 1. Lines with their blank-line context.
    lines: list[tuple[str, bool]] = []  # (text, preceded_by_blank)
    blank = False
    for line in raw_lines:
        if not line:
            blank = True
            continue
        lines.append((line, blank))
        blank = False

    # 2. Headline: the first line when it reads as a title (or equals the metadata title).
    meta_title = (meta.get("title") or "").strip() or None
    headline: str | None = None
    if lines:
        first = lines[0][0]
        same_as_meta = meta_title is not None and normalise_line(first) == normalise_line(meta_title)
        wrapped = len(lines) > 1 and not lines[1][1] and lines[1][0][:1].islower()
        if (same_as_meta or (looks_like_title(first) and not wrapped)) and len(lines) > 1 and not parse_dateline(first):
            headline = first
            lines = lines[1:]

    # 3. Whole-line boilerplate, and the page-footer tail after a strong footer marker.
    kept: list[tuple[str, bool]] = []
    in_footer = False
    n_lines = len(lines)
    for i, (line, blank_before) in enumerate(lines):
        rule = _match_rule(line, LINE_RULES)
        if rule is None and normalise_line(line) in repeated:
            rule = "publisher_repeated_line"
        if rule in ("byline", "date_line") and i > 3 and i < n_lines - 3:
            rule = None  # only page furniture near the top or bottom, not a sentence mid-article
        if rule is None and in_footer and len(words(line)) <= 15:
            rule = "footer_tail"
        if rule is not None:
            boilerplate.append({"rule": rule, "text": line})
            if rule in _FOOTER_START_RULES and i >= n_lines / 2:
                in_footer = True
            continue
        kept.append((line, blank_before))

    # 4. Paragraphs: a hard-wrapped line (no final punctuation, next line starts lowercase) is
    #    joined to the next one; every other line is its own paragraph.
    paragraphs: list[str] = []
    for line, blank_before in kept:
        if (
            paragraphs
            and not blank_before
            and _last_char(paragraphs[-1]) not in _TERMINAL
            and line[:1].islower()
        ):
            paragraphs[-1] = paragraphs[-1] + " " + line
        else:
            paragraphs.append(line)

    # 5. Classify paragraphs; drop related-article links; drop disclaimer sentences.
    all_stems = Counter(_stem(w) for p in paragraphs for w in words(p))
    paras: list[_Para] = []
    if headline:
        paras.append(_Para(headline, "headline"))
    for idx, p in enumerate(paragraphs):
        is_last = idx == len(paragraphs) - 1
        if not is_last and looks_like_heading(p):
            if idx > 0:
                others = all_stems - Counter(_stem(w) for w in words(p))
                if _related_link_score(p, others) >= 3:
                    boilerplate.append({"rule": "related_link", "text": p})
                    continue
            paras.append(_Para(p, "heading"))
            continue
        spans = split_sentences(p)
        kept_sents: list[str] = []
        for s, e in spans:
            sent = p[s:e]
            rule = _match_rule(sent, SENTENCE_RULES)
            if rule:
                boilerplate.append({"rule": rule, "text": sent})
            else:
                kept_sents.append(sent)
        if len(kept_sents) == len(spans):
            paras.append(_Para(p, "body"))
        elif kept_sents:
            paras.append(_Para(" ".join(kept_sents), "body"))

    # A heading with no paragraph after it (everything below was boilerplate) is not a heading.
    if paras and paras[-1].kind == "heading":
        paras[-1].kind = "body"

    # 6. Dateline on the first body paragraph.
    dateline: Dateline | None = None
    first_body = next((i for i, p in enumerate(paras) if p.kind == "body"), None)
    if first_body is not None:
        dateline = parse_dateline(paras[first_body].text)

    # 7. body_text and sentence offsets.
    parts: list[str] = []
    sentences: list[Sentence] = []
    offset = 0
    dateline_start = dateline_end = None
    for pid, para in enumerate(paras):
        if parts:
            offset += 2
        base = offset
        if para.kind == "body":
            spans = split_sentences(para.text)
        else:
            spans = [(0, len(para.text))]
        for s, e in spans:
            sentences.append(Sentence(len(sentences), pid, para.kind, base + s, base + e, para.text[s:e]))
        if dateline is not None and pid == first_body:
            dateline_start, dateline_end = base, base + len(dateline.text)
        parts.append(para.text)
        offset += len(para.text)
    body_text = "\n\n".join(parts)

    # 8. Publisher: metadata, else dateline, else boilerplate credit.
    publisher = (meta.get("publisher") or "").strip() or None
    publisher_source = "metadata" if publisher else "unknown"
    if publisher is None and dateline is not None and dateline.publisher:
        publisher, publisher_source = dateline.publisher, "dateline"
    if publisher is None:
        publisher = _publisher_from_boilerplate(b["text"] for b in boilerplate)
        if publisher:
            publisher_source = "boilerplate"

    # 9. Published date: metadata, else an explicit date in the text, else unknown.
    published, _err = parse_meta_date(meta.get("published"))
    published_source = "metadata" if published else "unknown"
    published_text: str | None = None
    dateline_date: dt.date | None = None
    if dateline is not None and dateline.date_text:
        found = find_text_dates(dateline.date_text)
        if found:
            dateline_date = found[0].date
        else:
            dm = DAY_MONTH_RE.search(dateline.date_text)
            if dm:
                month = dm["month"] or dm["month2"]
                day = dm["day"] or dm["day2"]
                dateline_date = resolve_day_month(month, day, published)
    if published is None:
        if dateline_date is not None:
            published, published_source, published_text = dateline_date, "text", dateline.date_text if dateline else None
        else:
            candidates = []
            for b in boilerplate:
                if b["rule"] == "date_line":
                    candidates.extend(find_text_dates(b["text"]))
            if not candidates:
                # The latest explicit date: news reports recent events and cites older ones.
                body_dates = find_text_dates(body_text)
                if body_dates:
                    candidates = [max(body_dates, key=lambda d: d.date)]
            if candidates:
                published, published_source, published_text = candidates[0].date, "text", candidates[0].text

    # 10. Language on the body sentences (headings are too short to count).
    body_only = " ".join(s.text for s in sentences if s.kind == "body") or body_text
    guess = detect_language(body_only)

    title = meta_title or headline
    return CleanedArticle(
        title=title,
        publisher=publisher,
        published_date=published,
        published_date_source=published_source,
        dateline=dateline.text if dateline else None,
        dateline_place=dateline.place if dateline else None,
        body_text=body_text,
        n_words=len(words(body_text)),
        language=guess.language,
        is_english=guess.is_english,
        boilerplate=boilerplate,
        sentences=sentences,
        dateline_publisher=dateline.publisher if dateline else None,
        dateline_date=dateline_date,
        dateline_start_char=dateline_start,
        dateline_end_char=dateline_end,
        publisher_source=publisher_source,
        published_date_text=published_text,
        language_confidence=guess.confidence,
    )


def repeated_lines(
    articles_by_publisher: dict[str, list[str]], min_articles: int = 3, min_share: float = 0.4
) -> set[str]:
    """Normalised lines that recur across one publisher's articles (page furniture).

    A line counts once per article; it is repeated when it appears in at least `min_articles`
    articles and in at least `min_share` of that publisher's articles. Returns the union over
    publishers (normalised with `normalise_line`), ready for `clean_article`.
    """
    out: set[str] = set()
    for texts in articles_by_publisher.values():
        if len(texts) < min_articles:
            continue
        counts: Counter[str] = Counter()
        for t in texts:
            counts.update({normalise_line(line) for line in normalise_text(t).split("\n") if line.strip()})
        need = max(min_articles, min_share * len(texts))
        out.update(line for line, c in counts.items() if c >= need)
    return out
