"""The pages' compiled templates are kept between process starts (graph_service/web/context.py,
``ZKG_TEMPLATE_CACHE``): a process that finds them does not compile, what it renders is the same,
and a cache it cannot write or a setting of 0 only means compiling."""

from __future__ import annotations

import shutil

import jinja2
import pytest

from graph_service.web import context
from graph_service.web.context import compiled_templates_cache, template_environment
from zhytomyr_kg.resources import TEMPLATES_DIR


def compile_all(jinja: jinja2.Environment) -> int:
    names = jinja.list_templates()
    for name in names:
        jinja.get_template(name)
    return len(names)


def no_compiling(*args, **kwargs):
    raise AssertionError("compiled although the cache holds it")


def test_a_second_process_reads_the_compiled_templates_instead_of_compiling(tmp_path, monkeypatch):
    written = compile_all(template_environment(compiled_templates_cache(str(tmp_path))))
    assert written > 20 and len(list(tmp_path.iterdir())) == written

    later = template_environment(compiled_templates_cache(str(tmp_path)))  # as a new process would
    monkeypatch.setattr(later, "compile", no_compiling)
    assert compile_all(later) == written


def test_templates_from_the_cache_are_the_code_a_compilation_gives(tmp_path):
    compile_all(template_environment(compiled_templates_cache(str(tmp_path))))
    cached = template_environment(compiled_templates_cache(str(tmp_path)))
    fresh = template_environment(None)
    for name in fresh.list_templates():
        a, b = cached.get_template(name), fresh.get_template(name)
        assert a.root_render_func.__code__.co_code == b.root_render_func.__code__.co_code, name
        assert a.blocks.keys() == b.blocks.keys(), name


def test_an_entry_is_kept_by_template_name_and_checked_against_its_source(tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    compile_all(template_environment(compiled_templates_cache(str(cache_dir))))
    entries = sorted(cache_dir.iterdir())
    # the same templates installed elsewhere (another checkout, a venv): read back, no entry added
    elsewhere = tmp_path / "venv" / "templates"
    shutil.copytree(TEMPLATES_DIR, elsewhere)
    monkeypatch.setattr(context, "TEMPLATES_DIR", elsewhere)
    moved = template_environment(compiled_templates_cache(str(cache_dir)))
    monkeypatch.setattr(moved, "compile", no_compiling)
    compile_all(moved)
    assert sorted(cache_dir.iterdir()) == entries
    # another version of a template under the same name: compiled, not the kept code
    (elsewhere / "404.html").write_text("{# another version #}", encoding="utf-8")
    changed = template_environment(compiled_templates_cache(str(cache_dir)))
    assert changed.get_template("404.html").render() == ""


def test_a_cache_entry_that_is_not_bytecode_is_compiled_again(tmp_path):
    compile_all(template_environment(compiled_templates_cache(str(tmp_path))))
    for entry in tmp_path.iterdir():
        entry.write_bytes(entry.read_bytes()[:40])  # cut short after the header
    assert compile_all(template_environment(compiled_templates_cache(str(tmp_path)))) > 20


def test_a_cache_that_cannot_be_used_only_costs_the_compiling(tmp_path):
    not_a_directory = tmp_path / "file"  # neither read nor written
    not_a_directory.write_text("")
    jinja = template_environment(compiled_templates_cache(str(not_a_directory)))
    assert jinja.bytecode_cache is not None
    assert compile_all(jinja) > 20


@pytest.mark.parametrize("value", ["0", "false"])
def test_the_setting_turns_the_cache_off(monkeypatch, value):
    monkeypatch.setenv("ZKG_TEMPLATE_CACHE", value)
    assert compiled_templates_cache() is None
