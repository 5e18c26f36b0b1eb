"""Run inside the CKAN test venv (tests/test_harvest_ckan.py): parse a DCAT document the way a
CKAN portal's harvester does — ckanext-dcat's RDFParser with the DCAT-AP 3 profile
(``euro_dcat_ap_3``) — and print the CKAN dataset dicts as JSON.

    python harvest.py DCAT_FILE FORMAT LOCALE LICENSES_JSON
"""

import json
import sys

from ckantoolkit import config


def main() -> None:
    path, fmt, locale, licenses = sys.argv[1:5]
    config["ckan.locale_default"] = locale
    config["licenses_group_url"] = "file://" + licenses
    from ckanext.dcat.processors import RDFParser

    parser = RDFParser(profiles=["euro_dcat_ap_3"])
    with open(path, "rb") as handle:
        parser.parse(handle.read(), _format=fmt)
    json.dump(list(parser.datasets()), sys.stdout, ensure_ascii=False, indent=1, default=str)


if __name__ == "__main__":
    main()
