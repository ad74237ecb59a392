"""hub/values.yaml (Zero to JupyterHub) has the chart's structure and matches the single-machine hub.

What is validated: the YAML parses; every key and value type it uses is checked against
``CHART_KEYS`` below, a JSON schema written for this test from the Zero to JupyterHub
configuration reference (only the keys this course uses; unknown keys are rejected, so a typo or a
key the chart does not have fails); enumerated settings (database type, storage type, service
type, pull policy) take only the chart's documented values; the Python in ``hub.extraConfig``
compiles; the exchange, course and image settings agree with hub/jupyterhub_config.py and
hub/Dockerfile. What is not: the chart's own full schema is not part of this repository (run
``helm lint`` with the chart before deploying, as hub/README.md says); nothing is deployed (no
Kubernetes cluster here); Helm's templating, the storage class and the image build are not run.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

HERE = Path(__file__).resolve().parent
HUB = HERE.parents[1] / "hub"


def _object(**properties: object) -> dict:
    return {"type": "object", "properties": properties, "additionalProperties": False}


_TEXT, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_NUMBER, _LIST = {"type": "number"}, {"type": "array"}
_FREE = {"type": "object"}  # passed through to JupyterHub's own configuration
#: The keys of the Zero to JupyterHub chart that the course's values.yaml uses.
CHART_KEYS = _object(
    hub=_object(
        config=_FREE,
        loadRoles={"type": "object", "additionalProperties": _object(
            description=_TEXT, groups=_LIST, users=_LIST, scopes=_LIST, services=_LIST)},
        extraConfig={"type": "object", "additionalProperties": _TEXT},
        db=_object(type={"enum": ["sqlite-pvc", "sqlite-memory", "mysql", "postgres", "other"]},
                   pvc=_object(storage=_TEXT, storageClassName=_TEXT), url=_TEXT),
    ),
    proxy=_object(service=_object(
        type={"enum": ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]})),
    ingress=_object(enabled=_BOOL, hosts=_LIST, tls=_LIST, annotations=_FREE),
    singleuser=_object(
        image=_object(name=_TEXT, tag=_TEXT,
                      pullPolicy={"enum": ["IfNotPresent", "Always", "Never", None]}),
        cmd={"type": ["array", "string"]},
        defaultUrl=_TEXT,
        fsGid=_INT,
        memory=_object(guarantee=_TEXT, limit=_TEXT),
        cpu=_object(guarantee=_NUMBER, limit=_NUMBER),
        networkPolicy=_object(enabled=_BOOL),
        storage=_object(type={"enum": ["dynamic", "static", "none"]}, capacity=_TEXT,
                        homeMountPath=_TEXT, extraVolumes=_LIST, extraVolumeMounts=_LIST),
    ),
    cull=_object(enabled=_BOOL, timeout=_INT, every=_INT),
)


def values() -> dict:
    return yaml.safe_load((HUB / "values.yaml").read_text(encoding="utf-8"))


def test_values_have_the_chart_structure():
    jsonschema.Draft7Validator.check_schema(CHART_KEYS)
    errors = sorted(jsonschema.Draft7Validator(CHART_KEYS).iter_errors(values()), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_unknown_keys_and_values_are_rejected():
    bad = values()
    bad["singleuser"]["exchangeFolder"] = "/srv/nbgrader/exchange"
    assert list(jsonschema.Draft7Validator(CHART_KEYS).iter_errors(bad))
    bad = values()
    bad["hub"]["db"]["type"] = "postgresql"  # the chart says "postgres"
    assert list(jsonschema.Draft7Validator(CHART_KEYS).iter_errors(bad))


def test_extra_config_compiles_and_matches_the_local_hub():
    config = values()
    for name, code in config["hub"]["extraConfig"].items():
        compile(code, f"hub.extraConfig.{name}", "exec")
    mounts = {m["mountPath"]: m for m in config["singleuser"]["storage"]["extraVolumeMounts"]}
    assert "/srv/nbgrader/exchange" in mounts  # nbgrader's default exchange, as on one machine
    assert mounts["/srv/nbgrader/exchange"]["name"] == "exchange"
    volumes = {v["name"]: v for v in config["singleuser"]["storage"]["extraVolumes"]}
    assert volumes["exchange"]["persistentVolumeClaim"]["claimName"]
    assert config["singleuser"]["cmd"][:3] == ["python", "-m", "jupyterhub.singleuser"] or \
        config["singleuser"]["cmd"] == "jupyterhub-singleuser"
    local = (HUB / "jupyterhub_config.py").read_text(encoding="utf-8")
    assert "/srv/nbgrader/exchange" in local and "/srv/kokosim/kurs" in local
    dockerfile = (HUB / "Dockerfile").read_text(encoding="utf-8")
    assert "/srv/kokosim/kurs" in dockerfile and "course/source" in dockerfile
