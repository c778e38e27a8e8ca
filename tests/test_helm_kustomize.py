"""Helm charts and kustomize overlays: what parses is read, templates are skipped quietly."""

from __future__ import annotations

from pathlib import Path

from conftest import archlint, write_tree

CHART = {
    "orders/app.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    "orders/Dockerfile": "FROM python:3.12\n",
    "chart/Chart.yaml": "apiVersion: v2\nname: orders\nversion: 0.3.1\n",
    "chart/values.yaml": "image:\n  repository: registry.example.com/shop/orders\n  tag: '1.4.2'\n",
    "chart/templates/deployment.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ include "orders.fullname" . }}
          labels:
            {{- include "orders.labels" . | nindent 4 }}
        spec:
          replicas: {{ .Values.replicaCount }}
          template:
            spec:
              containers:
                - name: orders
                  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        """,
    "chart/templates/_helpers.tpl": '{{- define "orders.fullname" -}}\n{{ .Release.Name }}\n{{- end }}\n',
    "k8s/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
    "k8s/base/deployment.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: orders}
        spec:
          template:
            spec:
              containers:
                - name: orders
                  image: orders:latest
                  env:
                    - {name: STRIPE_KEY, value: "sk_live_4eC39HqLyjWDarjtT1zdp7dcQzlyBZ3a"}
        """,
    "k8s/overlays/prod/kustomization.yaml": "resources:\n  - ../../base\npatches:\n  - path: patch.yaml\n",
    "k8s/overlays/prod/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: orders}\nspec: {replicas: 4}\n",
}


def test_helm_templates_are_skipped_quietly_and_plain_manifests_still_read(project: Path) -> None:
    write_tree(project, CHART)
    run = archlint("check", project, "--format", "json", "--no-cache")
    assert run.code == 1, run.err
    found = {(f["code"], f["path"]) for f in run.json()["findings"]}
    # No could-not-parse for the template; the secret in the kustomize base is still found.
    assert ("ARC501", "k8s/base/deployment.yaml") in found
    assert not any(code == "ARC001" for code, _ in found)


def test_a_broken_yaml_file_that_is_no_template_is_still_reported(project: Path) -> None:
    write_tree(project, {"deploy/api.yaml": "kind: Deployment\nspec:\n  - a\n  b: [\n"})
    run = archlint("check", project, "--format", "json", "--no-cache")
    assert [(f["code"], f["path"]) for f in run.json()["findings"]] == [
        ("ARC001", "deploy/api.yaml")
    ]
