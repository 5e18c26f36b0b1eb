"""Find funders, programmes, organisations and places named in Ukrainian progress texts.

Ukrainian inflects names ("Європейського банку реконструкції та розвитку", "вулиці
Лятошинського", "річок Кам'янка, Тетерів"), so matching is done on lemmas, not strings:
every word of the text and of every curated alias is analysed with pymorphy3 and two
words match when their sets of normal forms (or the alias's inflected forms) meet.

All names live in reviewable CSV files under ``etl/data/``; this module only knows three
generic rules, each driven by data:

* ``{type}`` in a place pattern stands for any form of a generic place word listed in
  ``street_types.csv`` ("вулиця", "вул.", "майдан", "м-н", "річка" ...);
* after a place found through such a pattern, a list may continue with bare names of the
  same type ("вулиць Лятошинського та Небесної сотні", "річок Кам'янка, Тетерів");
* a street or square followed by a house number is an address ("вул. Київська, 77").

Two more rules need no data, only the gazetteer itself:

* two capitalised bare names of one place type joined by "та", "і" or "й" are a list of that
  type even without the generic word ("перетворення Пушкінської та Лермонтовської на ...":
  both are curated streets); a single bare "Пушкінська" stays unmatched, and so does a pair in
  which one name is unknown or lower-case ("нового та старого обладнання");
* a hyphenated word the gazetteer does not know as a whole is matched part by part, so a route
  "Вереси-Сінний ринок" names the village and the market, while "Новоград-Волинський" or
  "Бульби-Боровця" stay one word.

Longest match wins and mentions never overlap. How a text is cut into tokens and lemmatised is in
``tokens.py``; the records found (mentions, entities, addresses) are in ``mention_types.py``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from etl.extract.mention_types import Entity, Mention, address_id_for, norm_number
from etl.extract.tokens import APOSTROPHES, Token, inflected_forms, normal_forms, raw_tokens
from zhytomyr_kg.resources import ETL_DATA_DIR

DATA_DIR = ETL_DATA_DIR

ENTITY_KINDS = ("funder", "programme", "organization", "place")
#: Place types that can carry a house number.
_ADDRESSABLE = frozenset({"street", "square"})
#: Tokens that continue a list of names of one place type.
_LIST_SEPARATORS = frozenset({",", "та", "і", "й", "/", "чи"})
#: Conjunctions that join a pair of bare names into a list of one place type.
_PAIR_CONJUNCTIONS = frozenset({"та", "і", "й"})
_HYPHEN_PART_RE = re.compile(r"[^-]+|-")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]+)\}")
_LETTER = "а-яА-ЯіІїЇєЄґҐa-zA-Z"
_HOUSE_RE = re.compile(
    rf"[ \t]*[,.]?[ \t]*(?:буд\.[ \t]*)?"
    rf"(\d{{1,3}}(?:[ \t]*[-–][ \t]*\d{{1,3}})?(?:[ \t]*-[ \t]*[{_LETTER}]|[{_LETTER}])?)"
    rf"(?![\w])"
)


@dataclass
class _Node:
    children: dict[int, _Node]
    entry: tuple[str, str] | None = None  # (entity key "kind:id", class of the leading placeholder)


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


class Gazetteer:
    """Every alias of every curated entity as a lemma trie, loaded once."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}
        self._alias_token_ids: dict[frozenset[str], int] = {}
        self._index: dict[str, set[int]] = {}
        self._root = _Node({})
        self._continuations: dict[str, _Node] = {}
        self._curated_addresses: dict[tuple[str, str], str] = {}
        self.ambiguous: list[str] = []
        #: a word's match keys, by its text: a report repeats its words (40 k tokens, ~6 k words)
        self._token_keys: dict[str, frozenset[str]] = {}

        type_rows = _read_csv("street_types.csv")
        self.abbreviations = frozenset(r["form"].lower() for r in type_rows if r["form"].endswith("."))
        self._class_keys: dict[str, set[str]] = {}
        for r in filter(lambda r: r["type_word"], type_rows):  # rows without one are plain abbreviations
            keys = self._class_keys.setdefault(r["type_word"], set())
            form = r["form"].lower()
            keys.update({form} if form.endswith(".") else inflected_forms(form))
        self._key_classes: dict[str, set[str]] = {}
        for cls, class_keys in self._class_keys.items():
            for k in class_keys:
                self._key_classes.setdefault(k, set()).add("#" + cls)
        self._load()

    # -- loading -----------------------------------------------------------------------------

    def _load(self) -> None:
        for r in _read_csv("funders.csv"):
            self._add_entity(Entity(r["id"], "funder", r["label_uk"], r["label_en"], r["kind"]))
        for r in _read_csv("funder_aliases.csv"):
            self._add_alias("funder", r["funder_id"], r["alias"], r["match"] == "exact")
        for name, kind in (("programmes.csv", "programme"), ("organizations.csv", "organization")):
            for r in _read_csv(name):
                self._add_entity(Entity(r["id"], kind, r["label_uk"], r["label_en"], r.get("kind", "")))
                for alias in filter(None, r["aliases"].split("|")):
                    self._add_alias(kind, r["id"], alias.removeprefix("="), alias.startswith("="))
        alias_rows = _read_csv("place_aliases.csv")
        place_class: dict[str, str] = {}
        for r in alias_rows:
            lead = _PLACEHOLDER_RE.match(r["pattern"])
            if lead:
                place_class.setdefault(r["place_id"], lead.group(1))
        for r in _read_csv("places.csv"):
            self._add_entity(
                Entity(
                    r["id"], "place", r["label_uk"], r["label_en"], r["type"], place_class.get(r["id"], "")
                )
            )
            if r["type"] == "address" and r["street_id"] and r["house_number"]:
                self._curated_addresses[(r["street_id"], norm_number(r["house_number"]))] = r["id"]
        for r in alias_rows:
            self._add_alias("place", r["place_id"], r["pattern"], r["match"] == "exact")

    def _add_entity(self, entity: Entity) -> None:
        key = f"{entity.kind}:{entity.id}"
        if key in self.entities:
            raise ValueError(f"duplicate {entity.kind} id {entity.id!r}")
        self.entities[key] = entity

    def _alias_token(self, keys: frozenset[str]) -> int:
        tid = self._alias_token_ids.get(keys)
        if tid is None:
            tid = self._alias_token_ids[keys] = len(self._alias_token_ids)
            for k in keys:
                self._index.setdefault(k, set()).add(tid)
        return tid

    def _alias_keys(self, pattern: str, exact: bool) -> list[frozenset[str]]:
        seq: list[frozenset[str]] = []
        pos = 0
        for m in [*_PLACEHOLDER_RE.finditer(pattern), None]:
            chunk = pattern[pos : m.start() if m else len(pattern)]
            for _, _, tok in raw_tokens(chunk, self.abbreviations):
                norm = tok.translate(APOSTROPHES)
                if exact and tok[0].isalnum():
                    seq.append(frozenset({"=" + norm}))
                elif tok[0].isupper() and not tok.endswith("."):
                    # proper names: the analyser may only guess their lemma ("Крошні" → крошний),
                    # so match any form of the name's lexemes
                    seq.append(inflected_forms(norm))
                elif tok[0].isalnum() and not tok.endswith("."):
                    seq.append(normal_forms(norm))
                else:
                    seq.append(frozenset({norm.lower()}))
            if m:
                if m.group(1) not in self._class_keys:
                    raise ValueError(f"unknown place word {{{m.group(1)}}} in {pattern!r}")
                seq.append(frozenset({"#" + m.group(1)}))
                pos = m.end()
        return seq

    def _add_alias(self, kind: str, entity_id: str, pattern: str, exact: bool) -> None:
        key = f"{kind}:{entity_id}"
        if key not in self.entities:
            raise ValueError(f"alias {pattern!r} names unknown {kind} {entity_id!r}")
        seq = self._alias_keys(pattern, exact)
        lead = _PLACEHOLDER_RE.match(pattern)
        self._insert(self._root, seq, key, lead.group(1) if lead else "")
        if lead and len(seq) > 1:  # "{вулиця} Київська" → "Київська" may continue a list of streets
            self._insert(
                self._continuations.setdefault(lead.group(1), _Node({})), seq[1:], key, lead.group(1)
            )

    def _insert(self, root: _Node, seq: list[frozenset[str]], key: str, cls: str) -> None:
        node = root
        for keys in seq:
            node = node.children.setdefault(self._alias_token(keys), _Node({}))
        if node.entry and node.entry[0] != key:
            self.ambiguous.append(f"{node.entry[0]} / {key}")
        node.entry = node.entry or (key, cls)

    # -- matching ----------------------------------------------------------------------------

    def tokens(self, text: str) -> list[Token]:
        """Tokens of ``text`` with their match keys (lemmas, exact form, place-word classes)."""
        out = []
        for start, end, tok in raw_tokens(text, self.abbreviations):
            token = self._token(start, end, tok)
            if "-" in tok[1:] and tok[0].isalnum() and not self._candidates(token):
                # an unknown hyphenated word ("Вереси-Сінний"): its parts may be names
                out += [
                    self._token(start + p.start(), start + p.end(), p.group())
                    for p in _HYPHEN_PART_RE.finditer(tok)
                ]
            else:
                out.append(token)
        return out

    def _token(self, start: int, end: int, tok: str) -> Token:
        keys = self._token_keys.get(tok)
        if keys is None:
            keys = self._token_keys[tok] = self._keys_of(tok)
        return Token(start, end, tok, keys)

    def _keys_of(self, tok: str) -> frozenset[str]:
        norm = tok.translate(APOSTROPHES)
        if tok[0].isalnum() and not tok.endswith("."):
            keys = set(normal_forms(norm)) | {"=" + norm}
        else:
            keys = {norm.lower()}
        keys.update(cls for k in tuple(keys) for cls in self._key_classes.get(k, ()))
        return frozenset(keys)

    def _candidates(self, token: Token) -> set[int]:
        found: set[int] = set()
        for k in token.keys:
            found |= self._index.get(k, set())
        return found

    @staticmethod
    def _longest(root: _Node, cands: list[set[int]], i: int) -> tuple[int, tuple[str, str]] | None:
        best = None
        active = [root]
        j = i
        while active and j < len(cands):
            here = cands[j]
            nxt: list[_Node] = []
            for (
                node
            ) in active:  # walk whichever side is smaller: the node's children or the token's candidates
                if len(node.children) < len(here):
                    nxt.extend(child for tid, child in node.children.items() if tid in here)
                else:
                    nxt.extend(node.children[tid] for tid in here if tid in node.children)
            j += 1
            for node in nxt:
                if node.entry:
                    best = (j, node.entry)
            active = nxt
        return best

    def find(self, text: str) -> list[Mention]:
        tokens = self.tokens(text)
        cands = [self._candidates(t) for t in tokens]
        mentions: list[Mention] = []
        i, pending_class = 0, ""
        while i < len(tokens):
            hit = self._longest(self._root, cands, i)
            if pending_class and tokens[i].text.lower() in _LIST_SEPARATORS:
                cont = self._longest(self._continuations.get(pending_class, _Node({})), cands, i + 1)
                main = self._longest(self._root, cands, i + 1)
                if cont and (not main or cont[0] >= main[0]):
                    hit, i = cont, i + 1
            if not hit and not pending_class:
                hit = self._bare_pair(tokens, cands, i)
            if not hit:
                i += 1
                if tokens[i - 1].text.lower() not in _LIST_SEPARATORS:
                    pending_class = ""
                continue
            end_tok, (key, _cls) = hit
            entity = self.entities[key]
            start, end = tokens[i].start, tokens[end_tok - 1].end
            mention = Mention(start, end, text[start:end], entity.id, entity.kind)
            if entity.kind == "place" and entity.subtype in _ADDRESSABLE:
                number = _HOUSE_RE.match(text, end)
                if number:
                    mention = self._address(text, start, number, entity)
                    while end_tok < len(tokens) and tokens[end_tok].start < mention.end:
                        end_tok += 1
            mentions.append(mention)
            pending_class = entity.place_class if entity.kind == "place" else ""
            i = end_tok
        return mentions

    def _bare_pair(
        self, tokens: list[Token], cands: list[set[int]], i: int
    ) -> tuple[int, tuple[str, str]] | None:
        """The first of two capitalised bare names of one place type joined by a conjunction.

        Returns the first name's hit (the list rule of ``find`` then takes the second), or None
        unless exactly one place type has both names ("Пушкінської та Лермонтовської").
        """
        if not tokens[i].text[:1].isupper():
            return None
        found = []
        for cont_root in self._continuations.values():
            first = self._longest(cont_root, cands, i)
            if not first or first[0] + 1 >= len(tokens):
                continue
            conj, after = tokens[first[0]], tokens[first[0] + 1]
            if (
                conj.text.lower() in _PAIR_CONJUNCTIONS
                and after.text[:1].isupper()
                and self._longest(cont_root, cands, first[0] + 1)
            ):
                found.append(first)
        return found[0] if len(found) == 1 else None

    def _address(self, text: str, start: int, number: re.Match[str], street: Entity) -> Mention:
        house = re.sub(r"\s+", "", number.group(1)).replace("–", "-")
        end = number.end(1)
        address_id = self._curated_addresses.get((street.id, norm_number(house)))
        return Mention(
            start,
            end,
            text[start:end],
            address_id or address_id_for(street.id, house),
            "place",
            street_id=street.id,
            house_number=house,
        )

    def entity(self, kind: str, entity_id: str) -> Entity:
        return self.entities[f"{kind}:{entity_id}"]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The gazetteer, built once per process (pymorphy3 and the CSV files are read here)."""
    return Gazetteer()


def find_mentions(text: str) -> list[Mention]:
    """All non-overlapping mentions in ``text``, in order; the longest alias wins."""
    return gazetteer().find(text)
