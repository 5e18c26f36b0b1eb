"""Relation classifier: fundedBy, partner, supportedBy and plain mentions on excerpts of the 2022 report."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from etl.extract.mentions import find_mentions
from etl.extract.relations import classify, cue_occurrences


def relations(text: str) -> dict[str, tuple[str, str | None]]:
    """entity id → (relation, evidence) for funders and organisations (first mention wins)."""
    out: dict[str, tuple[str, str | None]] = {}
    for c in classify(text):
        if c.mention.entity_kind in ("funder", "organization"):
            out.setdefault(c.mention.entity_id, (c.relation, c.evidence))
    return out


@pytest.mark.parametrize(
    "text, entity_id, evidence",
    [
        (
            "За підтримки Державного секретаріату з економічних питань Швейцарської Конфедерації (SECO) закуплено обладнання для лабораторії.",
            "seco",
            "За підтримки",
        ),
        (
            "Тривали роботи з будівництва ТЕЦ на районній котельні РК-10, що реалізуються за фінансової підтримки Державного секретаріату з економічних питань Швейцарської Конфедерації (SECO).",
            "seco",
            "за фінансової підтримки",
        ),
        (
            "За рахунок грантових коштів Європейського банку реконструкції та розвитку продовжено роботи.",
            "ebrd",
            "За рахунок грантових коштів",
        ),
        (
            "Реконструкція здійснюється за рахунок грантових коштів, виділених урядом Словенії.",
            "government-of-slovenia",
            "за рахунок грантових коштів",
        ),
        ("створено кризову кімнату за фінансування уряду Швеції.", "government-of-sweden", "за фінансування"),
        (
            "Завершено будівництво сміттепереробного заводу за кошти інвестора.",
            "private-investor",
            "за кошти",
        ),
        (
            "спільно з німецьким представництвом ADRA за фінансової підтримки Міністерства закордонних справ Німеччини (GFFO).",
            "german-federal-foreign-office",
            "за фінансової підтримки",
        ),
        (
            "В рамках проекту «Інтегрований розвиток міст в Україні II» за фінансової підтримки німецького міжнародного товариства Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH GIZ переобладнано приміщення.",
            "giz",
            "за фінансової підтримки",
        ),
    ],
)
def test_funded_by(text: str, entity_id: str, evidence: str) -> None:
    relation, found_evidence = relations(text)[entity_id]
    assert (relation, found_evidence) == ("fundedBy", evidence)
    assert found_evidence in text


@pytest.mark.parametrize(
    "text, entity_id, evidence",
    [
        (
            "Спільно з німецькою урядовою компанією GIZ реалізовується проєкт з реставрації.",
            "giz",
            "Спільно з",
        ),
        (
            "Спільно з Фондом ООН у галузі народонаселення в Україні (UNFPA) створено кризову кімнату.",
            "unfpa",
            "Спільно з",
        ),
        (
            "Відповідно до меморандуму про співпрацю між Житомирською міською радою та благодійними організаціями «Благодійний фонд «Карітас-Житомир» та «Український фонд благодійництва» надавалась допомога.",
            "ukrainian-charity-fund",
            "співпрацю між",
        ),
        (
            "В рамках меморандуму між Житомирською міською радою, благодійними організаціями «БФ «Карітас-Житомир» та «Український фонд благодійництва» відкрито Центр.",
            "caritas-zhytomyr",
            "меморандуму",
        ),
        (
            "В рамках співпраці з благодійним товариством «Чотири Лапи Україна» стерилізовано 200 кішок.",
            "four-paws",
            "співпраці з",
        ),
        (
            "Між управлінням культури Житомирської міської ради та Поліським національним університетом підписано меморандум щодо співпраці.",
            "polissia-national-university",
            "підписано меморандум",
        ),
        (
            "Проект реалізується громадською організацією «Інноваційні соціальні рішення» у рамках програми.",
            "innovative-social-solutions",
            "реалізується",
        ),
        (
            "реалізовано проєкт «Поруч», що був ініційований ЮНІСЕФ та направлений на реабілітацію дітей.",
            "unicef",
            "ініційований",
        ),
        (  # the one who cooperates, right before the verb, as well as the one after «з»
            'ТОВ "Ферпласт-Україна" співпрацює з Центром професійно-технічної освіти міста Житомира',
            "ferplast-ukraine",
            "співпрацює з",
        ),
        (
            'ТОВ "Ферпласт-Україна" співпрацює з Центром професійно-технічної освіти міста Житомира',
            "zhytomyr-vocational-education-centre",
            "співпрацює з",
        ),
        (
            "ТОВ «Кромберг енд Шуберт Україна» реалізує проєкт спільно з навчальними закладами щодо "
            "впровадження елементів дуальної освіти.",
            "kromberg-schubert-ukraine",
            "реалізує проєкт спільно з",
        ),
    ],
)
def test_partner(text: str, entity_id: str, evidence: str) -> None:
    assert relations(text)[entity_id] == ("partner", evidence)


def test_support_without_money_is_support_with_money_is_funding() -> None:
    """«За підтримки» is never partner by itself: joint implementation needs its own cue."""
    ideathon = "Проведено Ідеатон за підтримки Державного секретаріату Швейцарії з економічних питань (SECO)."
    assert relations(ideathon)["seco"] == ("supportedBy", "за підтримки")
    session = (
        "У рамках інформаційної сесії за підтримки Житомирського регіонального офісу «U-LEAD з Європою» "
        "досвід Житомира було представлено."
    )
    assert relations(session)["u-lead-with-europe"] == ("supportedBy", "за підтримки")
    unicef = (
        "За підтримки Міжнародного благодійного фонду «Українська фундація громадського здоров'я» за підтримки "
        "Дитячого фонду ООН (ЮНІСЕФ) реалізовано проєкт «Інтегрована підтримка через мультидисциплінарні мобільні команди»."
    )
    assert relations(unicef)["unicef"] == ("supportedBy", "за підтримки")
    assert relations(unicef)["ukrainian-public-health-foundation"] == ("supportedBy", "За підтримки")
    expertise = (
        'за підтримки клубу підприємців Житомира «БізнесМан» та технічної допомоги НУО "Сучасний формат" '
        "організовано бізнес-школу."
    )
    assert relations(expertise)["suchasnyi-format"] == ("supportedBy", "технічної допомоги")
    purchase = (
        "Обладнання закуплено за підтримки Державного секретаріату Швейцарії з економічних питань (SECO)."
    )
    assert relations(purchase)["seco"] == ("fundedBy", "за підтримки")


def test_a_cue_reaches_every_member_of_a_list() -> None:
    text = (
        "організовано співпрацю з благодійними організаціями та фондами: «Український фонд благодійництва», "
        "«Фонд громади Житомира», «Карітас-Житомир», «Роби добро, даруй надію», "
        "«Міжнародний благодійний фонд «Слава Україні», Житомирською обласною організацією Червоного Хреста України; "
        "громадськими організаціями: «Волонтерський штаб Житомира», «Грінері» тощо."
    )
    r = relations(text)
    assert {k: v[0] for k, v in r.items()} == {
        k: "partner"
        for k in (
            "ukrainian-charity-fund",
            "zhytomyr-community-foundation",
            "caritas-zhytomyr",
            "roby-dobro-daruy-nadiyu",
            "slava-ukraini-foundation",
            "red-cross-ukraine",
            "zhytomyr-volunteer-headquarters",
            "grinery",
        )
    }


def test_a_cue_reaches_the_end_of_a_long_list() -> None:
    """Words that only introduce the list's last members («міським, обласним …, громадськими
    організаціями») do not carry them out of reach of «співпраця з»."""
    text = (
        "продовжується військово-шефська співпраця з 95-ою окремою десантно-штурмовою бригадою м. Житомира, "
        "Житомирським військовим інститутом ім. С. П. Корольова, Товариством сприяння оборони України, "
        "міським, обласним Управлінням ДСНС України у Житомирській області, ГУНП України в Житомирській "
        "області, Житомирською обласною організацією Товариства Червоного Хреста України, громадськими "
        'організаціями, Національною скаутською організацією "Пласт"- Пластовим молодіжним центром '
        "Житомирської міської ради)."
    )
    r = relations(text)
    assert len(r) == 8
    assert {v for v in r.values()} == {("partner", "співпраця з")}


def test_funder_named_only_as_context() -> None:
    """The foundation backed someone else's training; the city only presented there."""
    text = (
        "У жовтні 2022 року - на тренінгу для представників органів місцевого самоврядування, "
        "організованому Центром «Ейдос» за підтримки Представництва «Фонду Фрідріха Науманна за свободу»."
    )
    relation, evidence = relations(text)["friedrich-naumann-foundation"]
    assert relation == "mentions" and evidence == "організованому"


def test_no_cue_or_cue_in_another_sentence_is_a_plain_mention() -> None:
    assert relations("Учениця запрошена до штаб-квартири ЮНЕСКО (Франція).")["unesco"] == ("mentions", None)
    text = "Проєкт реалізовано за фінансової підтримки партнерів. Європейський банк реконструкції та розвитку оголосив конкурс."
    assert relations(text)["ebrd"] == ("mentions", None)
    far = "за фінансової підтримки міжнародних партнерів громади, зокрема і у співпраці із містами-побратимами, а також Європейського банку реконструкції та розвитку"
    assert relations(far)["ebrd"][0] != "fundedBy"


def test_places_and_programmes_are_plain_mentions() -> None:
    text = "За рахунок грантових коштів у мікрорайоні Мальованка в рамках проекту «Розвиток міської інфраструктури – 2»."
    assert {c.relation for c in classify(text)} == {"mentions"}


def test_evidence_offsets_point_into_the_text() -> None:
    text = "Реконструкція здійснюється за рахунок грантових коштів, виділених урядом Словенії."
    (c,) = classify(text)
    assert c.evidence_start is not None and c.evidence_end is not None
    assert text[c.evidence_start : c.evidence_end] == c.evidence


# --- every cue phrase on every line of the report where it occurs ------------------------------


def _report_texts(real_tree) -> list[tuple[int, str]]:
    return [
        (e.line, "\n".join(p.text for p in e.paragraphs))
        for pr in real_tree.priorities
        for g in pr.goals
        for t in g.tasks
        for e in t.entries
    ]


def _words_between(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> int:
    """Words between two offsets, not counting words inside mentions (as a cue's window counts)."""
    chars = list(text[start:end])
    for s, e in spans:
        for k in range(max(s, start), min(e, end)):
            chars[k - start] = " "
    return len(re.findall(r"\w+", "".join(chars)))


def test_every_cue_phrase_gives_one_relation_on_every_line(real_tree) -> None:
    """Each cue phrase of relation_cues.csv, run against every line of the report where it occurs:
    the mentions it decides get the relation its row says there, the nearest organisation it reaches
    is decided by it (unless another cue is nearer), and the same construction — the phrase, with
    or without the words its ``requires`` asks for — gives the same relation on every line."""
    seen: dict[tuple[str, str | None], set[int]] = defaultdict(set)
    problems = []
    for line, text in _report_texts(real_tree):
        mentions = find_mentions(text)
        classified = classify(text, mentions)
        occurrences = cue_occurrences(text, mentions)
        spans = [(m.start, m.end) for m in mentions]
        for o in occurrences:
            if o.relation in (None, "context"):
                continue
            decided = [c for c in classified if c.evidence_start == o.start and c.relation != "mentions"]
            if (
                decided
            ):  # the lines where the phrase decided a relation («подяки за підтримку міста» decides none)
                seen[(o.phrase, o.relation)].add(line)
            for c in decided:
                if c.relation != o.relation:
                    problems.append(
                        f"L{line} «{o.phrase}» gave {c.relation} to {c.mention.surface}, row says {o.relation}"
                    )
            if o.position != "before":
                continue
            after = [
                c
                for c in classified
                if c.mention.entity_kind in ("funder", "organization")
                and c.mention.start >= o.end
                and not re.search(r"[.!?]\s", text[o.end : c.mention.start])
            ]
            if not after:
                continue
            nearest = min(after, key=lambda c: c.mention.start)
            between_cues = [x for x in occurrences if o.end <= x.start < nearest.mention.start]
            if between_cues or _words_between(text, o.end, nearest.mention.start, spans) > o.window:
                continue
            if nearest.evidence_start != o.start and nearest.relation != "mentions":
                problems.append(
                    f"L{line} «{o.phrase}» reaches {nearest.mention.surface} but {nearest.evidence!r} decided"
                )
            elif nearest.evidence_start == o.start and nearest.relation != o.relation:
                problems.append(f"L{line} «{o.phrase}» → {nearest.relation}, row says {o.relation}")
    for (phrase, relation), lines in sorted(seen.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        print(f"{phrase!r:34} {relation!s:12} lines {sorted(lines)}")
    assert not problems, "\n".join(problems)
    # "за підтримки" is funding where money or equipment is named, support otherwise: never partner
    support = {relation for phrase, relation in seen if phrase == "за підтримки"}
    assert support == {"fundedBy", "supportedBy"}
    assert seen[("за підтримки", "fundedBy")] == {87, 326}
    assert seen[("за підтримки", "supportedBy")] >= {17, 54, 90, 104, 388, 423}
    # every phrase without a requires condition gives one relation wherever it occurs
    by_phrase: dict[str, set[str | None]] = defaultdict(set)
    for phrase, relation in seen:
        by_phrase[phrase].add(relation)
    assert {p for p, r in by_phrase.items() if len(r) > 1} == {"за підтримки"}
