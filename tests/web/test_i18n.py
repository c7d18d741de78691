"""Turkish and English: complete catalogues, the user's language, money and dates per locale."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import core
from core.i18n_catalog import conflicts, missing, update


def test_turkish_catalogue_translates_every_string_of_core():
    gaps = missing(Path(core.__file__).parent, "tr")
    assert gaps == [], "\n".join(f"{g.reason}: {g.msgid!r} at {g.location}" for g in gaps)


def test_no_two_catalogues_translate_one_text_differently(yaprak_runtime):
    packages = {"core": Path(core.__file__).parent}
    packages.update({n: s.path for n, s in yaprak_runtime.kernel.available.items()})
    assert len(packages) > 3
    found = conflicts(packages, "tr")
    assert found == [], "\n".join(f"{c.msgid!r}: {c.translations}" for c in found)


def test_the_conflict_check_finds_two_translations_of_one_text(tmp_path):
    packages = {}
    for owner, text in (("one", "Giriş"), ("two", "Mal kabul"), ("three", "Giriş")):
        package = packages[owner] = tmp_path / owner
        package.mkdir()
        (package / "views.py").write_text('from core.i18n import _\nLABEL = _("Receipt")\n')
        update(package)
        po = package / "translations" / "tr" / "LC_MESSAGES" / "messages.po"
        po.write_text(
            po.read_text().replace(
                'msgid "Receipt"\nmsgstr ""', f'msgid "Receipt"\nmsgstr "{text}"'
            )
        )
    assert conflicts({k: packages[k] for k in ("one", "three")}) == []
    (clash,) = conflicts(packages)
    assert clash.msgid == "Receipt"
    assert clash.translations == {"one": "Giriş", "two": "Mal kabul", "three": "Giriş"}


def test_the_check_fails_on_a_new_untranslated_string(tmp_path):
    package = tmp_path / "pkg"
    (package / "templates" / "pkg").mkdir(parents=True)
    (package / "views.py").write_text('from core.i18n import _\nLABEL = _("Stock moves")\n')
    (package / "templates" / "pkg" / "page.html").write_text("<p>{{ _('Reorder rules') }}</p>\n")
    counts = update(package)
    assert counts == {"tr": 2, "en": 0}
    assert {g.msgid for g in missing(package, "tr")} == {"Stock moves", "Reorder rules"}
    po = package / "translations" / "tr" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        po.read_text().replace(
            'msgid "Stock moves"\nmsgstr ""', 'msgid "Stock moves"\nmsgstr "Stok hareketleri"'
        )
    )
    gaps = missing(package, "tr")
    assert [g.msgid for g in gaps] == ["Reorder rules"]
    po.write_text(
        po.read_text().replace(
            'msgid "Reorder rules"\nmsgstr ""', 'msgid "Reorder rules"\nmsgstr "Yeniden sipariş"'
        )
    )
    assert [g.reason for g in missing(package, "tr")] == ["not compiled: run `yaprak i18n update`"]
    update(package)
    assert missing(package, "tr") == []


def test_login_page_speaks_the_browsers_language_until_a_user_chooses(yaprak_app, make_company):
    make_company("ACME")
    client = yaprak_app.test_client()
    bad = {"email": "nobody@example.com", "password": "x"}
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    token = _csrf(page.get_data(as_text=True))
    english = client.post(
        "/login", data={**bad, "csrf_token": token}, headers={"Accept-Language": "en"}
    )
    assert "E-mail or password is wrong." in english.get_data(as_text=True)
    turkish = client.post(
        "/login", data={**bad, "csrf_token": token}, headers={"Accept-Language": "tr"}
    )
    assert "E-posta ya da parola yanlış." in turkish.get_data(as_text=True)


def _csrf(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def test_a_user_chooses_a_language_that_sticks_to_the_user(
    make_company, company_client, yaprak_runtime
):
    from core.models import User

    acme = make_company("ACME")
    client = company_client(acme)
    refused = client.post("/language", data={"language": "de", "csrf_token": client.csrf_token()})
    assert refused.status_code == 400
    done = client.post("/language", data={"language": "en", "csrf_token": client.csrf_token()})
    assert done.status_code == 302
    with yaprak_runtime.db.Session() as session:
        assert session.get(User, client.user_id).language == "en"
    switched = client.post(
        "/company/switch", data={"company_id": acme.id, "csrf_token": client.csrf_token()}
    )
    assert switched.status_code == 302
    assert "Company switched." in client.get("/").get_data(as_text=True)
    client.post("/language", data={"language": "tr", "csrf_token": client.csrf_token()})
    client.post("/company/switch", data={"company_id": acme.id, "csrf_token": client.csrf_token()})
    assert "Şirket değiştirildi." in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "money", "day"),
    [("tr", "1.234,56 ₺", "28 Kas 2026"), ("en", "₺1,234.56", "Nov 28, 2026")],
)
def test_money_and_dates_follow_the_language(yaprak_app, language, money, day):
    with yaprak_app.test_request_context(headers={"Accept-Language": language}):
        env = yaprak_app.jinja_env
        out = env.from_string("{{ amount|money('TRY') }}|{{ day|date }}").render(
            amount=Decimal("1234.555"), day=date(2026, 11, 28)
        )
    assert out == f"{money}|{day}"
