"""The search index: one tantivy index on disk per API node, under ``data_dir/search``.

Fields (one document per published title):

- ``id`` — the title id (raw, stored), and the same in two fast fields (``id_hi``,
  ``id_lo``: the two halves of the 32 hex digits), which a search reads for a few hundred
  hits at once instead of fetching each hit's stored document;
- ``names`` — the original and every localized title, folded (lower case, no accents):
  exact, fuzzy and prefix matching;
- ``people``, ``genres`` — credited names and genre labels, folded the same way;
- ``text`` — every synopsis, folded, for words in languages without a stemmer;
- one field per stemmed language (``en``, ``fr``, ``de`` …): that language's titles and
  synopses through tantivy's Snowball stemmer, so "running" finds "runs";
- ``card`` — stored only: what the title's summaries are made of
  (``catalog.service.summary_source``), so a page of results needs no catalog read.

tantivy allows one writer per directory at a time: each commit takes the lock, briefly.
"""

from __future__ import annotations

import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import tantivy

from marquee.catalog import service as catalog
from marquee.catalog.schemas import StudioTitle

#: BCP 47 base language → tantivy's Snowball stemmer.
STEMMERS = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}
FOLDED = "fold"
#: The index's directory under the data dir, named for its schema: a release that changes the
#: schema starts in a new directory, which the node builds in the background at its first
#: discovery request (``discovery_reindex_on_start``) or ``marquee search reindex`` fills.
DIRECTORY = "search-3"
_HEX_ID = re.compile(r"[0-9a-f]{32}")
WRITER_HEAP_BYTES = 64 * 1024 * 1024
WRITER_WAIT_S = 30


def base_language(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def fold(text: str) -> str:
    """What the ``fold`` tokenizer does to a word: lower case, accents removed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _analyzer(stemmer: str | None = None) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stemmer:
        builder = builder.filter(tantivy.Filter.stemmer(stemmer))
    return builder.build()


ANALYZERS = {FOLDED: _analyzer(), **{f"{lang}_stem": _analyzer(s) for lang, s in STEMMERS.items()}}


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_unsigned_field("id_hi", fast=True)
    builder.add_unsigned_field("id_lo", fast=True)
    for name in ("names", "people", "genres", "text"):
        builder.add_text_field(name, tokenizer_name=FOLDED)
    for lang in STEMMERS:
        builder.add_text_field(lang, tokenizer_name=f"{lang}_stem")
    builder.add_bytes_field("card", stored=True)
    return builder.build()


SCHEMA = _schema()


def document(title: StudioTitle) -> tantivy.Document:
    """The searchable texts of a title."""
    texts = {title.original_language: (title.original_title, title.synopsis)}
    texts.update({lang: (t.title, t.synopsis) for lang, t in title.localizations.items()})
    doc = tantivy.Document()
    doc.add_text("id", title.id)
    if _HEX_ID.fullmatch(title.id):  # every id Marquee makes; others are read from the store
        doc.add_unsigned("id_hi", int(title.id[:16], 16))
        doc.add_unsigned("id_lo", int(title.id[16:], 16))
    for lang, (name, synopsis) in texts.items():
        doc.add_text("names", name)
        doc.add_text("text", synopsis)
        if (base := base_language(lang)) in STEMMERS:
            doc.add_text(base, f"{name}\n{synopsis}")
    for credit in title.credits:
        doc.add_text("people", credit.name)
    for genre in title.genres:
        doc.add_text("genres", genre)
    doc.add_bytes("card", catalog.summary_source(title))
    return doc


#: A commit of the index, as its ``meta.json`` shows it (inode, modified, size): tantivy
#: replaces that file at every commit, whichever process makes it.
Version = tuple[int, int, int]


class Hit(NamedTuple):
    title_id: str
    score: float
    address: tantivy.DocAddress


@dataclass(frozen=True)
class Found:
    """A search's hits, best first, and the commit of the index they were found in."""

    hits: list[Hit]
    version: Version
    searcher: tantivy.Searcher

    def cards(self, hits: Iterable[Hit]) -> list[bytes]:
        """The ``card`` of each of ``hits`` (hits of this search)."""
        return [bytes(self.searcher.doc(hit.address)["card"][0]) for hit in hits]


class SearchIndex:
    """An index directory. Each write takes tantivy's writer lock for the time of one commit,
    so the processes of a host (API and worker roles) can share the directory: a process
    that finds the lock taken waits for it. Readers see commits within a second."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.meta = path / "meta.json"
        self.index = tantivy.Index(SCHEMA, str(path), reuse=True)
        for name, analyzer in ANALYZERS.items():
            self.index.register_tokenizer(name, analyzer)
        self._lock = threading.Lock()
        self._read: Version | None = None

    def put(self, titles: Iterable[StudioTitle], removed: Iterable[str] = ()) -> None:
        """Replace the documents of ``titles`` and drop those of ``removed``, in one commit."""

        def write(writer: tantivy.IndexWriter) -> None:
            for title_id in removed:
                writer.delete_documents_by_term("id", title_id)
            for title in titles:
                writer.delete_documents_by_term("id", title.id)
                writer.add_document(document(title))

        self._write(write)

    def replace_all(self, titles: Iterable[StudioTitle]) -> int:
        """Rebuild from scratch (``marquee search reindex``); returns the number indexed."""
        docs = [document(title) for title in titles]

        def write(writer: tantivy.IndexWriter) -> None:
            writer.delete_all_documents()
            for doc in docs:
                writer.add_document(doc)

        self._write(write)
        return len(docs)

    def add_documents(self, docs: Iterable[tantivy.Document]) -> None:
        """Add prepared documents (benchmarks) in one commit."""

        def write(writer: tantivy.IndexWriter) -> None:
            for doc in docs:
                writer.add_document(doc)

        self._write(write)

    def size(self) -> int:
        return int(self.index.searcher().num_docs)

    def version(self) -> Version:
        meta = os.stat(self.meta)
        return meta.st_ino, meta.st_mtime_ns, meta.st_size

    def search(self, query: tantivy.Query, limit: int) -> Found:
        """The best ``limit`` hits, best first, their ids read from the fast fields, in the
        newest commit: the reader would see another process's commit within a second, so
        when the commit changed the reader is reloaded first (what is kept of a commit's
        documents, such as search cards, is kept per :meth:`version`)."""
        version = self.version()
        if version != self._read:
            self.index.reload()
            self._read = version
        searcher = self.index.searcher()
        found = searcher.search(query, limit=limit, count=False).hits
        if not found:
            return Found([], version, searcher)
        addresses = [address for _, address in found]
        high = searcher.fast_field_values("id_hi", addresses)
        low = searcher.fast_field_values("id_lo", addresses)
        ids = [
            ((hi << 64) | lo).to_bytes(16, "big").hex()
            if isinstance(hi, int) and isinstance(lo, int)
            else searcher.doc(address)["id"][0]
            for address, hi, lo in zip(addresses, high, low, strict=True)
        ]
        scores = (score for score, _ in found)
        return Found(
            list(map(Hit._make, zip(ids, scores, addresses, strict=True))), version, searcher
        )

    def _write(self, apply: Callable[[tantivy.IndexWriter], None]) -> None:
        with self._lock:
            writer = self._writer()
            try:
                apply(writer)
                writer.commit()
            finally:
                writer.wait_merging_threads()  # ends the writer: the lock is free again
        self.index.reload()

    def _writer(self) -> tantivy.IndexWriter:
        deadline = time.monotonic() + WRITER_WAIT_S
        while True:
            try:
                return self.index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
