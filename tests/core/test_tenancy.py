"""A session acting for a company reads and links only that company's rows."""

import pytest
from sqlalchemy import func, select, update

from core.tenancy import TenantViolation, all_companies


@pytest.fixture
def two(make_company, yaprak_runtime):
    from yk_alpha.models import AlphaThing

    a = make_company("ACME", addons=["beta"])
    b = make_company("OTHER", addons=["beta"])
    with yaprak_runtime.db.Session() as s:
        ids = {
            code: s.scalar(select(AlphaThing.id).where(AlphaThing.company_id == c.id))
            for code, c in (("ACME", a), ("OTHER", b))
        }
    return a, b, ids


def test_reads_are_filtered_to_the_company(two, yaprak_runtime):
    from yk_alpha.models import AlphaThing

    a, b, ids = two
    with yaprak_runtime.db.session_for(a) as s:
        assert s.scalars(select(AlphaThing.company_id)).all() == [a.id]
        assert s.scalar(select(func.count()).select_from(AlphaThing)) == 1
        assert s.get(AlphaThing, ids["OTHER"]) is None
        assert s.get(AlphaThing, ids["ACME"]).name == "Default thing"
        everyone = s.scalars(all_companies(select(AlphaThing.company_id))).all()
        assert sorted(everyone) == sorted([a.id, b.id])  # the explicit escape hatch


def test_bulk_updates_touch_only_the_company(two, yaprak_runtime):
    from yk_alpha.models import AlphaThing

    a, _b, ids = two
    with yaprak_runtime.db.transaction(a) as s:
        s.execute(update(AlphaThing).values(name="renamed"))
    with yaprak_runtime.db.Session() as s:
        assert s.get(AlphaThing, ids["OTHER"]).name == "Default thing"
        assert s.get(AlphaThing, ids["ACME"]).name == "renamed"


def test_links_to_another_companys_rows_are_refused_naming_the_field(two, yaprak_runtime):
    from yk_alpha.models import AlphaThing
    from yk_beta.models import BetaThingNote

    a, b, ids = two
    db = yaprak_runtime.db
    with db.session_for(a, write=True) as s, pytest.raises(TenantViolation) as info:
        s.add(BetaThingNote(thing_id=ids["OTHER"], note="sneaky"))
        s.flush()
    assert str(info.value) == "BetaThingNote.thing_id: refers to a record of another company"
    with (
        db.session_for(a, write=True) as s,
        pytest.raises(TenantViolation, match="company_id: belongs"),
    ):
        s.add(AlphaThing(company_id=b.id, name="planted"))
        s.flush()
    with db.session_for(a, write=True) as s:  # new rows get the company
        thing = AlphaThing(name="mine")
        s.add(thing)
        s.flush()
        assert thing.company_id == a.id
        s.rollback()
    with db.session_for(a, write=True) as s, pytest.raises(TenantViolation, match="belongs to"):
        s.get(AlphaThing, ids["ACME"]).company_id = b.id
        s.flush()
    with db.Session() as s, pytest.raises(TenantViolation, match="cannot move to another"):
        s.get(AlphaThing, ids["ACME"]).company_id = b.id  # not even the kernel's own session
        s.flush()
    with db.session_for(a, write=True) as s, pytest.raises(TenantViolation) as info:
        with db.Session() as kernel_view:  # an object of B's, loaded elsewhere
            theirs = kernel_view.get(AlphaThing, ids["OTHER"])
        s.add(BetaThingNote(thing=s.merge(theirs, load=False), note="via relationship"))
        s.flush()
    assert str(info.value) == "BetaThingNote.thing: refers to a record of another company"
    with db.Session() as s:
        assert s.scalar(select(func.count()).select_from(BetaThingNote)) == 0
        assert s.scalar(select(func.count()).select_from(AlphaThing)) == 2
