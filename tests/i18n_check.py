"""What the language tests look for in a page (tests/test_i18n.py, tests/test_browser_i18n.py).

A page in English may show Ukrainian only as data marked so: inside an element whose ``lang`` is
``uk`` (a label with no English translation, a report's text, a quoted phrase). Any other Cyrillic
text, any Ukrainian string of the interface table (``i18n.MESSAGES``), is an untranslated
interface string. A page in Ukrainian shows no English string of the table that differs from its
Ukrainian one (outside elements marked ``lang="en"``, and outside code).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from graph_service.web import i18n

#: a Cyrillic letter (an English label has none: a house number is transliterated, "14-A")
CYRILLIC = re.compile(r"[А-Яа-яІіЇїЄєҐґ]")
#: elements whose text is not interface text: code, the query editor's own widgets and scripts
SKIP = {"script", "style", "code", "pre", "textarea", "title"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Texts(HTMLParser):
    """Text nodes of a page with the language they are in (the nearest ``lang`` attribute).

    Each open element's entry carries what holds inside it (its language, whether its text is
    skipped, whether it is a name), so that a text or an attribute looks at the innermost entry
    only: a page has about 1,300 elements, and the language tests parse hundreds of pages."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        #: open elements: tag, language (its own or inherited), skipped (it or an ancestor is),
        #: a name (inside translate="no": a name taken from an IRI, a query's results)
        self.stack: list[tuple[str, str | None, bool, bool]] = []
        self.texts: list[tuple[str, str | None, str]] = []  # text, lang, path
        self.attrs: list[tuple[str, str | None, str]] = []  # title/placeholder/aria-label values

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        lang = a.get("lang")
        if self.stack:
            _, inherited, skipped, name = self.stack[-1]
        else:
            inherited, skipped, name = None, False, False
        if tag not in VOID:
            skipped = skipped or tag in SKIP or a.get("id") == "yasgui"
            self.stack.append((tag, lang or inherited, skipped, name or a.get("translate") == "no"))
        if not skipped:
            for attr in ("title", "placeholder", "aria-label", "alt"):
                if a.get(attr):
                    self.attrs.append((a[attr], lang or inherited, f"{tag}@{attr}"))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self.stack:
            lang, skipped, name = None, False, False
        else:
            _, lang, skipped, name = self.stack[-1]
        if not skipped and data.strip():
            path = "/".join(entry[0] for entry in self.stack[-3:])
            self.texts.append((data.strip(), "zxx" if name else lang, path))


def texts(html: str) -> Texts:
    parser = Texts()
    parser.feed(html)
    return parser


def untranslated(html: str, lang: str) -> list[str]:
    """The interface strings of ``html`` (a page in ``lang``) that are in the other language."""
    page = texts(html)
    problems = []
    if lang == "en":
        ukrainian = {uk for uk, en in i18n.MESSAGES.values() if uk != en and CYRILLIC.search(uk)}
        for text, where_lang, path in page.texts + page.attrs:
            if where_lang in ("uk", "zxx"):  # data marked as Ukrainian, or a name
                continue
            if CYRILLIC.search(text):
                problems.append(f"{path}: {text[:80]!r}")
            elif text in ukrainian:
                problems.append(f"{path}: {text[:80]!r} (an interface string)")
    else:
        english = {
            en for uk, en in i18n.MESSAGES.values() if uk != en and len(en) > 3 and not CYRILLIC.search(en)
        }
        for text, where_lang, path in page.texts + page.attrs:
            if where_lang in ("en", "zxx"):
                continue
            if text.rstrip(":") in english:
                problems.append(f"{path}: {text[:80]!r} (an English interface string)")
    return problems
