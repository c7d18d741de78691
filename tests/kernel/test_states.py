"""available -> installed (this database) -> enabled (per company); disabling keeps data."""

import pytest
from sqlalchemy import inspect, select

from core.companies import add_company, disable_addons, enable_addons, get_company
from core.kernel import lifecycle
from core.kernel.errors import KernelError, UnknownAddon, UnknownCompany
from core.kernel.migrations import database_state
from core.models import InstalledAddon


def _tables(runtime):
    return set(inspect(runtime.db.engine).get_table_names())


def _things(runtime, code):
    from yk_alpha.models import AlphaThing

    with runtime.db.Session() as s:
        company = get_company(s, code)
        return s.scalars(select(AlphaThing.name).where(AlphaThing.company_id == company.id)).all()


def test_three_states(runtime_with):
    rt = runtime_with({"alpha": "yk_alpha", "beta": "yk_beta"})
    state = database_state(rt)
    assert set(rt.kernel.available) == {"alpha", "beta"}  # available
    assert state.installed == {}
    assert "alpha_thing" not in _tables(rt)

    assert lifecycle.install(rt, ["alpha"]) == ["alpha"]  # installed, enabled nowhere
    assert database_state(rt).installed == {"alpha": "1.2.0"}
    assert "alpha_thing" in _tables(rt)

    with rt.db.transaction() as s:
        add_company(s, "ACME", "Acme")
    assert enable_addons(rt, "ACME", ["beta"]) == ["alpha", "beta"]  # closure, in order
    assert set(database_state(rt).installed) == {"alpha", "beta"}
    with rt.db.Session() as s:
        assert get_company(s, "ACME").enabled_addons == {"alpha", "beta"}
    assert _things(rt, "ACME") == ["Default thing"]  # on_enable ran


def test_disable_refuses_while_a_dependent_is_enabled_and_keeps_data(runtime_with):
    rt = runtime_with({"alpha": "yk_alpha", "beta": "yk_beta"})
    with rt.db.transaction() as s:
        add_company(s, "ACME", "Acme")
    enable_addons(rt, "ACME", ["beta"])
    with pytest.raises(KernelError, match=r"cannot disable alpha for ACME: beta depends on it"):
        disable_addons(rt, "ACME", ["alpha"])

    assert disable_addons(rt, "ACME", ["alpha", "beta"]) == ["beta", "alpha"]
    with rt.db.Session() as s:
        assert get_company(s, "ACME").enabled_addons == frozenset()
    assert _things(rt, "ACME") == ["Default thing"]  # data kept
    assert "alpha" in database_state(rt).installed  # still installed

    enable_addons(rt, "ACME", ["alpha"])
    assert _things(rt, "ACME") == ["Default thing"]  # shown again, on_enable idempotent


def test_enabling_for_a_missing_company_changes_nothing(runtime_with):
    rt = runtime_with({"alpha": "yk_alpha"})
    with pytest.raises(UnknownCompany, match="unknown company 'NOPE'"):
        enable_addons(rt, "NOPE", ["alpha"])
    assert database_state(rt).installed == {}
    assert "alpha_thing" not in _tables(rt)


def test_unknown_and_broken_addons_are_refused_by_name(runtime_with):
    rt = runtime_with({"alpha": "yk_alpha", "importerror": "yk_importerror"})
    with rt.db.transaction() as s:
        add_company(s, "ACME", "Acme")
    with pytest.raises(UnknownAddon, match="unknown add-on 'gamma'"):
        enable_addons(rt, "ACME", ["gamma"])
    with pytest.raises(KernelError, match="add-on importerror cannot load: import failed"):
        enable_addons(rt, "ACME", ["alpha", "importerror"])
    assert database_state(rt).installed == {}  # nothing half-done
    assert disable_addons(rt, "ACME", ["alpha"]) == []  # not enabled: nothing to do


def test_a_failing_on_enable_leaves_nothing_enabled(runtime_with):
    rt = runtime_with({"alpha": "yk_alpha", "beta": "yk_beta"})
    with rt.db.transaction() as s:
        add_company(s, "EXPLODE", "Fails to enable beta")
    with pytest.raises(RuntimeError, match="beta cannot start"):
        enable_addons(rt, "EXPLODE", ["beta"])
    with rt.db.Session() as s:
        assert get_company(s, "EXPLODE").enabled_addons == frozenset()
    assert _things(rt, "EXPLODE") == []  # alpha's on_enable seed rolled back with it
    with rt.db.Session() as s:  # installing is per database and stays done
        assert set(s.scalars(select(InstalledAddon.name))) == {"alpha", "beta"}
