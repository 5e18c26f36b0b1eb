"""Relation classifier: fundedBy, partner and plain mentions on excerpts of the 2022 report."""

from __future__ import annotations

import pytest

from etl.extract.relations import classify


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
            "У рамках інформаційної сесії за підтримки Житомирського регіонального офісу «U-LEAD з Європою» досвід Житомира було представлено.",
            "u-lead-with-europe",
            "за підтримки",
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
    ],
)
def test_partner(text: str, entity_id: str, evidence: str) -> None:
    assert relations(text)[entity_id] == ("partner", evidence)


def test_support_without_money_is_partnership_with_money_is_funding() -> None:
    ideathon = "Проведено Ідеатон за підтримки Державного секретаріату Швейцарії з економічних питань (SECO)."
    assert relations(ideathon)["seco"] == ("partner", "за підтримки")
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
