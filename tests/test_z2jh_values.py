"""The Zero to JupyterHub values file, checked offline the way Helm checks it.

Helm is not in the registries this project installs from, and neither is the
jupyterhub chart, so the templates are not rendered here. What Helm does
before rendering is done instead: merge the values over the chart's defaults
and validate the result against the chart's values.schema.json (both kept in
graders/z2jh/, from the chart's sources). The schema forbids unknown keys,
so a misspelt or misplaced setting fails here as it would in ``helm install``.
"""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
import yaml

from campaign_lab import paths

Z2JH = paths.graders_dir() / "z2jh"


def merged(defaults: dict, values: dict) -> dict:
    """Helm's merge: mappings are merged key by key, anything else is replaced; null deletes a default."""
    result = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


@pytest.fixture(scope="module")
def schema():
    return json.loads((Z2JH / "values.schema.json").read_text())


@pytest.fixture(scope="module")
def defaults():
    return yaml.safe_load((Z2JH / "chart-defaults.yaml").read_text())


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load((Z2JH / "values.yaml").read_text())


def test_the_chart_defaults_pass_the_charts_schema(schema, defaults):
    jsonschema.validate(defaults, schema)


def test_the_cohort_values_pass_the_charts_schema(schema, defaults, values):
    jsonschema.validate(merged(defaults, values), schema)


def test_a_misspelt_key_is_caught(schema, defaults, values):
    wrong = merged(values, {"singleuser": {"memroy": {"limit": "2G"}}})
    with pytest.raises(jsonschema.ValidationError, match="memroy"):
        jsonschema.validate(merged(defaults, wrong), schema)


def test_the_cohort_gets_the_course_image_limits_culler_and_exchange(values):
    singleuser = values["singleuser"]
    assert singleuser["image"]["name"] and singleuser["image"]["tag"]
    assert singleuser["memory"]["limit"] and singleuser["cpu"]["limit"]
    assert values["cull"] == {"enabled": True, "timeout": 3600, "every": 300}
    mounts = {mount["mountPath"] for mount in singleuser["storage"]["extraVolumeMounts"]}
    assert singleuser["extraEnv"]["CAMPAIGN_LAB_EXCHANGE"] in mounts


def test_the_hooks_python_compiles_and_no_password_is_in_the_file(values):
    code = values["hub"]["extraConfig"]["campaign-lab"]
    compile(code, "extraConfig", "exec")
    assert "user_password =" in code and 'os.environ["CAMPAIGN_LAB_HUB_PASSWORD"]' in code
    assert all("valueFrom" in entry for entry in values["hub"]["extraEnv"].values())
