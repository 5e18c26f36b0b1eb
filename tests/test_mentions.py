"""Mention finder: inflected names on real excerpts of the 2022 report, negatives, offsets, coverage."""

from __future__ import annotations

import collections
import csv
import itertools
import time

import pytest

from etl.extract.mentions import find_mentions, gazetteer
from zhytomyr_kg.resources import ETL_DATA_DIR as DATA_DIR

REPORT = DATA_DIR / "report-2022.txt"


def progress_texts() -> list[tuple[int, str]]:
    """(line number, progress text) for every table line: the last non-empty tab-separated cell."""
    out = []
    for n, line in enumerate(REPORT.read_text(encoding="utf-8").split("\n"), 1):
        cells = [c for c in line.split("\t") if c.strip()]
        if "\t" in line and cells:
            out.append((n, cells[-1]))
    return out


def found(text: str) -> set[tuple[str, str]]:
    return {(m.entity_kind, m.entity_id) for m in find_mentions(text)}


def surfaces(text: str) -> dict[str, str]:
    return {m.surface: m.entity_id for m in find_mentions(text)}


# -- funders: every surface form, inflected, on excerpts of the report ---------------------------

FUNDER_EXCERPTS = [
    ("giz", "Спільно з німецькою урядовою компанією GIZ реалізовується проєкт з реставрації"),
    (
        "giz",
        "за фінансової підтримки німецького міжнародного товариства Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH GIZ переобладнано",
    ),
    ("giz", "за підтримки Німецького товариства міжнародного співробітництва"),
    (
        "seco",
        "За підтримки Державного секретаріату з економічних питань Швейцарської Конфедерації (SECO) закуплено обладнання",
    ),
    (
        "seco",
        "за підтримки Державного секретаріату Швейцарії з економічних питань (SECO) в межах комунікаційної концепції",
    ),
    ("ebrd", "За рахунок грантових коштів Європейського банку реконструкції та розвитку продовжено роботи"),
    ("ebrd", "кредит ЄБРР"),
    ("ebrd", "a loan of the EBRD"),
    ("eu", "що впроваджується Фондом народонаселення ООН в Україні за фінансової підтримки Євросоюзу."),
    ("eu", "за підтримки Європейського Союзу"),
    (
        "u-lead-with-europe",
        "за підтримки Житомирського регіонального офісу «U-LEAD з Європою» досвід Житомира",
    ),
    ("unicef", "за підтримки Дитячого фонду ООН (ЮНІСЕФ) реалізовано проєкт"),
    ("unicef", "проєкт «Поруч», що був ініційований ЮНІСЕФ"),
    ("unfpa", "(спільно з Фондом ООН в галузі народонаселення)."),
    ("unfpa", "Спільно з Фондом ООН у галузі народонаселення в Україні (UNFPA) за фінансування уряду Швеції"),
    ("unfpa", "що впроваджується Фондом народонаселення ООН в Україні"),
    ("government-of-slovenia", "за рахунок грантових коштів, виділених урядом Словенії."),
    ("government-of-sweden", "за фінансування уряду Швеції створено кризову кімнату"),
    (
        "german-federal-foreign-office",
        "за фінансової підтримки Міністерства закордонних справ Німеччини (GFFO).",
    ),
    (
        "adra-ukraine",
        "благодійною організацією «БФ «Адвентиське агентство допомоги та розвитку в Україні» (ADRA Ukraine)",
    ),
    ("adra-germany", "спільно з німецьким представництвом ADRA за фінансової підтримки"),
    ("caritas-zhytomyr", "благодійними організаціями «Благодійний фонд «Карітас-Житомир» та"),
    ("caritas-zhytomyr", "благодійними організаціями «БФ «Карітас-Житомир» та"),
    ("ukrainian-charity-fund", "та «Український фонд благодійництва» надавалась натуральна допомога"),
    (
        "ukrainian-public-health-foundation",
        "За підтримки Міжнародного благодійного фонду «Українська фундація громадського здоров'я» за підтримки",
    ),
    ("friedrich-naumann-foundation", "за підтримки Представництва «Фонду Фрідріха Науманна за свободу»."),
    (
        "red-cross-ukraine",
        "Житомирською обласною організацією Товариства Червоного Хреста України, громадськими організаціями",
    ),
    (
        "red-cross-ukraine",
        "Житомирською обласною організацією Червоного Хреста України; громадськими організаціями",
    ),
    ("four-paws", "В рамках співпраці з благодійним товариством «Чотири Лапи Україна» стерилізовано"),
    ("private-investor", "Завершено будівництво сміттепереробного заводу за кошти інвестора."),
    ("zhytomyr-community-foundation", "«Фонд громади Житомира», «Карітас-Житомир»"),
    ("roby-dobro-daruy-nadiyu", "«Роби добро, даруй надію», «Міжнародний"),
    ("slava-ukraini-foundation", "«Міжнародний благодійний фонд «Слава Україні», Житомирською"),
]


@pytest.mark.parametrize("funder_id, excerpt", FUNDER_EXCERPTS)
def test_funder_surface_forms(funder_id: str, excerpt: str) -> None:
    assert ("funder", funder_id) in found(excerpt)


def test_every_funder_has_an_excerpt() -> None:
    with open(DATA_DIR / "funders.csv", encoding="utf-8") as f:
        ids = {r["id"] for r in csv.DictReader(f)}
    assert ids == {fid for fid, _ in FUNDER_EXCERPTS}


def test_generic_investors_are_not_a_funder() -> None:
    assert ("funder", "private-investor") not in found(
        "Під час звернень потенційних інвесторів та/або їх представників"
    )


# -- places -----------------------------------------------------------------------------------


def test_inflected_street_with_and_without_first_name() -> None:
    text = "Заплановано перетворити вулицю Лятошинського на пішохідну; капітальний ремонт вул. Б.Лятошинського та вулиці Бориса Лятошинського."
    assert [m.entity_id for m in find_mentions(text)] == ["vulytsia-borysa-liatoshynskoho"] * 3
    g = gazetteer()
    assert g.entity("place", "vulytsia-borysa-liatoshynskoho").label_uk == "вулиця Бориса Лятошинського"


def test_surname_alone_is_not_a_street() -> None:
    assert not found(
        "На базі музичних шкіл працюють народні музеї Святослава Ріхтера та Бориса Лятошинського."
    ) & {("place", "vulytsia-borysa-liatoshynskoho")}


def test_list_of_rivers_and_streets() -> None:
    assert surfaces("Упорядковано прибережні смуги річок Кам'янка, Тетерів.") == {
        "річок Кам'янка": "richka-kamianka",
        "Тетерів": "richka-teteriv",
    }
    assert surfaces(
        "з'єднання скверу на розі вулиць Б. Лятошинського та Небесної сотні з вулицею Михайлівською"
    ) == {
        "вулиць Б. Лятошинського": "vulytsia-borysa-liatoshynskoho",
        "Небесної сотні": "vulytsia-nebesnoi-sotni",
        "вулицею Михайлівською": "vulytsia-mykhailivska",
    }
    assert [m.entity_id for m in find_mentions("по вул. Корольова, Східній, проспекту Незалежності")] == [
        "vulytsia-korolova",
        "vulytsia-skhidna",
        "prospekt-nezalezhnosti",
    ]
    assert [m.entity_id for m in find_mentions("Перепланування майданів Соборного та Перемоги")] == [
        "maidan-sobornyi",
        "maidan-peremohy",
    ]


def test_addresses_link_to_their_street() -> None:
    text = "за адресами: вул. Київська, 77, вул. Велика Бердичівська, 70, вул. Романа Шухевича, 2-а (на території"
    ms = find_mentions(text)
    assert [(m.surface, m.street_id, m.house_number) for m in ms] == [
        ("вул. Київська, 77", "vulytsia-kyivska", "77"),
        ("вул. Велика Бердичівська, 70", "vulytsia-velyka-berdychivska", "70"),
        ("вул. Романа Шухевича, 2-а", "vulytsia-romana-shukhevycha", "2-а"),
    ]
    assert ms[0].entity_id == "vulytsia-kyivska-77"
    assert (
        find_mentions("за адресою: м.Житомир, вул. Небесної Сотні. 10-12, що")[-1].entity_id
        == "vulytsia-nebesnoi-sotni-10-12"
    )
    assert find_mentions("за адресою Бульвар Старий, 14-А не розпочаті")[0].house_number == "14-А"


def test_year_or_count_after_street_is_not_a_house_number() -> None:
    ms = find_mentions("ремонт вул. Київської, 2022 року; по вул. Театральній (від майдану Перемоги")
    assert [(m.entity_id, m.house_number) for m in ms] == [
        ("vulytsia-kyivska", None),
        ("vulytsia-teatralna", None),
        ("maidan-peremohy", None),
    ]


def test_polova_square_versus_microdistrict() -> None:
    text = "В мікрорайоні Польова за адресою площа Польова, 8 створено центр. Продовження трамвайної лінії до Польової площі."
    ms = find_mentions(text)
    assert [m.entity_id for m in ms] == ["mikroraion-polova", "ploshcha-polova-8", "ploshcha-polova"]
    assert ms[1].street_id == "ploshcha-polova"
    # a bare «Польова» continues a list of microdistricts
    assert [
        m.entity_id for m in find_mentions("реальних міських утворень (Богунія, Крошня, Польова тощо)")
    ] == [
        "mikroraion-bohuniia",
        "mikroraion-kroshnia",
        "mikroraion-polova",
    ]


def test_place_words_used_as_ordinary_words() -> None:
    for text in (
        "встановлено дитячий та спортивний майданчики",
        "на майдані біля школи пройшов захід",
        "польові роботи на полі завершено",
        "збудовано будівель загальною площею 27956,5 кв. м",
        "благодійний велопробіг «Велосипедом до перемоги»",
        "облаштування зон відпочинку біля води, вулиця без назви",
        "за новим сучасним форматом",
    ):
        assert find_mentions(text) == [], text


def test_microdistricts_villages_markets_landmarks_foreign_places() -> None:
    assert found("нової тролейбусної лінії у мікрорайоні Мальованка") == {("place", "mikroraion-malovanka")}
    assert found("бібліотека села Вереси") == {("place", "selo-veresy")}
    assert found("Розвиток сполучення з новими кварталами Крошні та села Оліївка") == {
        ("place", "mikroraion-kroshnia"),
        ("place", "selo-oliivka"),
    }
    assert found("реконструювати Житній ринок на ринок європейського зразка") == {("place", "zhytnii-rynok")}
    assert found("від площі Житній ринок до вул. Житній базар") == {
        ("place", "ploshcha-zhytnii-rynok"),
        ("place", "vulytsia-zhytnii-bazar"),
    }
    assert ("place", "vodonapirna-bashta") in found("реставрації пам'ятки архітектури – Водонапірної башти")
    assert found("виступи у містах Битом, Радич, Плоцьк") == {
        ("place", p) for p in ("bytom", "radych", "plotsk")
    }
    assert found("технології виробництва зі Словаччини") == {("place", "slovachchyna")}


def test_route_between_two_places_names_both() -> None:
    # line 189: a bus route named by its two ends, written as one hyphenated word
    text = "функціонує автобусний маршрут №7 «Вереси-Сінний ринок». Житомир з населеними пунктами"
    ms = find_mentions(text)
    assert [(m.surface, m.entity_id) for m in ms] == [
        ("Вереси", "selo-veresy"),
        ("Сінний ринок", "sinnyi-rynok"),
    ]
    assert all(text[m.start : m.end] == m.surface for m in ms)
    # line 164: the market inflected, at the end of a project title
    assert surfaces("Подовження трамвайної лінії по вулиці Небесної сотні до Сінного ринку") == {
        "вулиці Небесної сотні": "vulytsia-nebesnoi-sotni",
        "Сінного ринку": "sinnyi-rynok",
    }


def test_known_hyphenated_names_stay_whole() -> None:
    assert surfaces("залізничних ліній до міст Новоград-Волинський, Бердичів") == {
        "міст Новоград-Волинський": "novohrad-volynskyi",
        "Бердичів": "berdychiv",
    }
    assert surfaces("ремонт вулиці Тараса Бульби-Боровця") == {
        "вулиці Тараса Бульби-Боровця": "vulytsia-tarasa-bulby-borovtsia"
    }
    # an organisation's name with a city in it is the organisation, not the city split off
    assert found("благодійними організаціями «БФ «Карітас-Житомир» та") == {("funder", "caritas-zhytomyr")}
    assert find_mentions("науково-технічний та соціально-економічний розвиток") == []


def test_coordinated_bare_street_names() -> None:
    # line 270: two curated streets without «вулиця», joined by «та»
    text = "Мистецька алея 2023-2030 роки (перетворення Пушкінської та Лермонтовської на креативний міський простір"
    assert surfaces(text) == {"Пушкінської": "vulytsia-pushkinska", "Лермонтовської": "vulytsia-lermontovska"}
    # line 257 and line 176: with the generic word, as before
    assert [
        m.entity_id
        for m in find_mentions(
            "Водонапірна вежа з прилеглою територією (вул. Пушкінська, вул. Лермонтовська)"
        )
    ] == [
        "vodonapirna-bashta",
        "vulytsia-pushkinska",
        "vulytsia-lermontovska",
    ]
    assert [
        m.entity_id
        for m in find_mentions("(Старий бульвар, Новий бульвар, вул. Пушкінська та вул. Небесної Сотні)")
    ] == [
        "bulvar-staryi",
        "bulvar-novyi",
        "vulytsia-pushkinska",
        "vulytsia-nebesnoi-sotni",
    ]


def test_bare_street_names_outside_a_pair_are_not_streets() -> None:
    for text in (
        "перетворення Пушкінської на креативний простір",  # one bare name
        "вечір до дня народження, Пушкінська премія",  # one bare name after a comma
        "Пушкінської та Шевченківської",  # the second is not a curated street
        "Пушкінської, Лермонтовської",  # a comma is not a conjunction
        "закупівля нового та старого обладнання",  # lower case: ordinary adjectives
        "Київська та Житомирська області",  # Житомирська is no street (the region is found, not a street)
    ):
        g = gazetteer()
        assert not [
            m.surface for m in find_mentions(text) if g.entity(m.entity_kind, m.entity_id).subtype == "street"
        ], text


def test_the_citys_airport() -> None:
    # lines 172-173, the only occurrences of the word in the report
    assert found(
        "Модернізація та електрифікація залізничних ліній у поєднанні з аеропортом, автомагістраллю до Києва"
    ) == {
        ("place", "zhytomyrskyi-aeroport"),
        ("place", "kyiv"),
    }
    assert surfaces("Розвиток пасажирського транспорту для сполучення аеропорту з автовокзалом") == {
        "аеропорту": "zhytomyrskyi-aeroport"
    }
    # the airport's name is part of the mention when printed
    assert surfaces("реконструкція злітної смуги аеропорту Житомир") == {
        "аеропорту Житомир": "zhytomyrskyi-aeroport"
    }
    # an airport word that is not the noun «аеропорт» is no mention
    assert find_mentions("аеропортова інфраструктура та авіаційні перевезення") == []
    g = gazetteer()
    airport = g.entity("place", "zhytomyrskyi-aeroport")
    assert (airport.label_uk, airport.label_en, airport.subtype) == (
        "Житомирський аеропорт",
        "Zhytomyr Airport",
        "landmark",
    )


def test_organisations() -> None:
    assert ("organization", "ferplast-ukraine") in found('ТОВ "Ферпласт" викупило 17 тис. м кв приміщень')
    assert ("organization", "zhytomyr-polytechnic") in found(
        'ДУ "Житомирська політехніка" впроваджує дуальну освіту'
    )
    assert ("organization", "zhytomyrvodokanal") in found(
        'впроваджений КП "Житомирводоканал" для користувачів'
    )
    assert ("organization", "myloserdia") in found('Спільно з ЖОГО "Милосердя" в місті')
    assert ("organization", "all-ukrainian-mediators-network") in found(
        "сертифікованим медіатором Всеукраїнської мережі медіаторів України за підтримки ГО"
    )
    # the report's own misspelling («гідрометрології») of the hydrometeorology centre
    assert ("organization", "zhytomyr-hydrometeorology-centre") in found(
        "Житомирський обласний центр з гідрометрології здійснює відбір проб атмосферного повітря"
    )


def test_the_energodim_programme_by_its_full_name_and_alone() -> None:
    full = "Тривала реалізація Програми підтримки енергомодернізації багатоквартирних будинків «ЕНЕРГОДІМ»."
    assert found(full) == {("programme", "energodim")}
    assert ("programme", "energodim") in found('щодо можливості прийняття участі у програмі "ЕНЕРГОДІМ" та')


# -- whole report -----------------------------------------------------------------------------


def test_offsets_and_no_overlaps_on_the_whole_report() -> None:
    for _, text in progress_texts():
        ms = find_mentions(text)
        for m in ms:
            assert text[m.start : m.end] == m.surface
        for a, b in itertools.pairwise(ms):
            assert a.end <= b.start


def test_gazetteer_has_no_ambiguous_alias() -> None:
    assert gazetteer().ambiguous == []


def test_whole_report_is_fast() -> None:
    texts = [t for _, t in progress_texts()]
    for t in texts:  # warm the lemma cache
        find_mentions(t)
    start = time.perf_counter()
    for t in texts:
        find_mentions(t)
    assert time.perf_counter() - start < 1.0


def _alias_hits(text: str) -> list[tuple[str, int, int]]:
    """Every funder alias occurring in ``text`` (lemma by lemma), found without the matcher's trie."""
    g = gazetteer()
    toks = g.tokens(text)
    hits = []
    with open(DATA_DIR / "funder_aliases.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            seq = g._alias_keys(row["alias"], row["match"] == "exact")
            for i in range(len(toks) - len(seq) + 1):
                if all(toks[i + k].keys & seq[k] for k in range(len(seq))):
                    hits.append((row["funder_id"], toks[i].start, toks[i + len(seq) - 1].end))
    return hits


def test_no_funder_mention_is_missed() -> None:
    """Every report line holding a funder alias yields a mention of that funder at that place."""
    missed, lines_with_funders = [], set()
    for n, text in progress_texts():
        ms = find_mentions(text)
        for funder_id, start, end in _alias_hits(text):
            lines_with_funders.add(n)
            if not any(m.entity_id == funder_id and m.start < end and start < m.end for m in ms):
                missed.append((n, funder_id, text[start:end]))
    assert missed == []
    assert len(lines_with_funders) >= 25


def test_counts_over_the_whole_report() -> None:
    """Per-funder and per-place-type counts, printed for reviewers (pytest -s)."""
    g = gazetteer()
    funders: collections.Counter[str] = collections.Counter()
    funder_lines: dict[str, set[int]] = collections.defaultdict(set)
    place_types: dict[str, set[str]] = collections.defaultdict(set)
    for n, text in progress_texts():
        for m in find_mentions(text):
            if m.entity_kind == "funder":
                funders[m.entity_id] += 1
                funder_lines[m.entity_id].add(n)
            elif m.entity_kind == "place":
                kind = "address" if m.street_id else g.entity("place", m.entity_id).subtype
                place_types[kind].add(m.entity_id)
    print("\nfunder mentions (mentions / lines):")
    for fid, c in funders.most_common():
        print(f"  {fid:38} {c:3} / {len(funder_lines[fid]):2}  lines {sorted(funder_lines[fid])}")
    print("distinct places mentioned per type:")
    for kind, ids in sorted(place_types.items(), key=lambda kv: -len(kv[1])):
        print(f"  {kind:15} {len(ids)}")
    assert set(funders) == {fid for fid, _ in FUNDER_EXCERPTS}
    assert funders["seco"] >= 10 and funder_lines["ebrd"] == {160}
