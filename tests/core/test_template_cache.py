"""Compiled templates shared by the process's Jinja environments (core.templates)."""

from jinja2 import Environment, FileSystemLoader

from core.templates import SharedBytecodeCache


def test_an_edited_template_is_compiled_again(tmp_path):
    cache = SharedBytecodeCache("test")
    (tmp_path / "t.html").write_text("one {{ x }}")
    first = Environment(loader=FileSystemLoader(str(tmp_path)), bytecode_cache=cache)
    assert first.get_template("t.html").render(x=1) == "one 1"
    assert len(cache._store) == 1
    again = Environment(loader=FileSystemLoader(str(tmp_path)), bytecode_cache=cache)
    assert again.get_template("t.html").render(x=2) == "one 2"  # from the cache
    (tmp_path / "t.html").write_text("two {{ x }}")
    edited = Environment(loader=FileSystemLoader(str(tmp_path)), bytecode_cache=cache)
    assert edited.get_template("t.html").render(x=3) == "two 3"


def test_environments_set_up_differently_do_not_share_code(tmp_path):
    cache = SharedBytecodeCache("test")
    (tmp_path / "t.html").write_text("{% trans %}hello{% endtrans %}")
    with_i18n = Environment(
        loader=FileSystemLoader(str(tmp_path)), bytecode_cache=cache, extensions=["jinja2.ext.i18n"]
    )
    with_i18n.install_gettext_callables(lambda s: s.upper(), lambda s, p, n: s, newstyle=False)
    assert with_i18n.get_template("t.html").render() == "HELLO"
    with_i18n_newstyle = Environment(
        loader=FileSystemLoader(str(tmp_path)), bytecode_cache=cache, extensions=["jinja2.ext.i18n"]
    )
    with_i18n_newstyle.install_gettext_callables(
        lambda s, **kw: s.title(), lambda s, p, n, **kw: s, newstyle=True
    )
    assert with_i18n_newstyle.get_template("t.html").render() == "Hello"
    assert len(cache._store) == 2  # one compiled copy per set-up
