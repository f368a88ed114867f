"""
Real-shape payloads decode cleanly: strict mode, zero drift, and a round trip to the same keys.

Each fixture under ``tests/fixtures/real/<api>/`` reproduces the shape of a payload captured from
the live API in public material (same keys, nesting, JSON types and encodings; our own values);
its ``source`` names where the shape was seen. See ``SOURCES.md`` beside the fixtures.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sage_async import Converter, Model
from sage_async._converter import _field_infos


ROOT = Path(__file__).parent / "fixtures" / "real"
FIXTURES = sorted(ROOT.glob("*/*.json"))


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def model_of(path: Path, document: dict[str, Any]) -> type[Model]:
    module = importlib.import_module(f"sage_async.models.{path.parent.name}")
    cls: type[Model] = getattr(module, document["model"])
    return cls


def records(path: Path, document: dict[str, Any]) -> list[dict[str, Any]]:
    payload = document["payload"]
    if document["kind"] == "item":
        return [payload]
    if path.parent.name == "accounting":
        return list(payload["$items"])
    return list(payload)


def canonical_keys(value: Any, cls: type | None) -> Any:
    """The key structure of a wire value, alias spellings folded into the spec's own."""
    if isinstance(value, list):
        return [canonical_keys(item, cls) for item in value]
    if not isinstance(value, dict):
        return None
    infos = {}
    if cls is not None:
        for info in _field_infos(cls):
            for name in (info.wire, *info.aliases):
                infos[name] = info
    out = {}
    for key, item in value.items():
        info = infos.get(key)
        target = None
        if info is not None and info.kind == "model":
            target = info.target
        elif info is not None and info.kind == "list" and info.target[0] == "model":
            target = info.target[1]
        out[info.wire if info is not None else key] = canonical_keys(item, target)
    return out


def test_the_fixture_set_covers_both_apis() -> None:
    """At least 25 real-shape fixtures, 10 or more Accounting resources, both APIs."""
    by_api: dict[str, set[str]] = {}
    for path in FIXTURES:
        by_api.setdefault(path.parent.name, set()).add(load(path)["resource"])
    assert len(FIXTURES) >= 25
    assert len(by_api.get("accounting", ())) >= 10
    assert by_api.get("sales")


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_real_shape_decodes_strictly_without_drift(path: Path) -> None:
    """Strict mode accepts the payload (no DriftError) and the report stays empty."""
    document = load(path)
    assert document["source"], "every fixture cites its source"
    cls = model_of(path, document)
    converter = Converter(strict=True)
    items = records(path, document)
    decoded = [converter.structure(item, cls) for item in items]
    assert not converter.drift, str(converter.drift)
    for raw, model in zip(items, decoded):
        again = converter.unstructure(model)
        assert canonical_keys(raw, cls) == canonical_keys(again, cls)
        assert again == converter.unstructure(converter.structure(again, cls))


def _mutations(value: Any) -> st.SearchStrategy[Any]:
    junk = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=8),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    )
    if isinstance(value, dict) and value:
        keys = sorted(value)
        return st.one_of(
            st.builds(lambda k, j: {**value, k: j}, st.sampled_from(keys), junk),
            st.builds(lambda k: {x: y for x, y in value.items() if x != k}, st.sampled_from(keys)),
            st.builds(lambda k, j: {**value, k: j}, st.text(max_size=6), junk),
            st.builds(
                lambda k, j: {**value, k: _deep_replace(value[k], j)}, st.sampled_from(keys), junk
            ),
        )
    return junk


def _deep_replace(value: Any, junk: Any) -> Any:
    if isinstance(value, dict) and value:
        first = sorted(value)[0]
        return {**value, first: junk}
    if isinstance(value, list) and value:
        return [_deep_replace(value[0], junk), *value[1:]]
    return junk


CASES = [(path, item) for path in FIXTURES for item in records(path, load(path))[:1]]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_lenient_mode_survives_hostile_mutations(data: st.DataObject) -> None:
    """Lenient decoding of a mutated real payload never raises and keeps unknown keys."""
    path, item = data.draw(st.sampled_from(CASES))
    cls = model_of(path, load(path))
    mutated = data.draw(_mutations(item))
    converter = Converter()
    model = converter.structure(mutated, cls)
    encoded = converter.unstructure(model)
    assert isinstance(encoded, dict)
