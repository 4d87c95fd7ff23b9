"""Owners and code references: a checkout with a remote links each asset to the repository's web view."""

import importlib.util
import subprocess
import sys

import dagster as dg
import pytest

from banking_dw.governance import OWNERS, owners_of, repository_remote, web_url, with_code_references


@pytest.mark.parametrize(
    ("remote", "web"),
    [
        ("git@github.com:bank/banking-dw.git", "https://github.com/bank/banking-dw"),
        ("https://github.com/bank/banking-dw.git", "https://github.com/bank/banking-dw"),
        ("https://token@gitlab.example.com/data/banking-dw", "https://gitlab.example.com/data/banking-dw"),
        ("ssh://git@github.com:22/bank/banking-dw.git", "https://github.com/bank/banking-dw"),
        ("/srv/git/banking-dw", None),
    ],
)
def test_a_remote_reads_as_its_repositorys_web_page(remote, web):
    assert web_url(remote) == web


def test_every_layer_has_owners_and_an_unknown_group_is_named():
    assert all(owners and all(o.startswith("team:") for o in owners) for owners in OWNERS.values())
    with pytest.raises(ValueError, match="group 'staging' has no owners"):
        owners_of("staging")


def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_code_references_link_to_the_repository_at_its_commit_when_it_has_a_remote(tmp_path):
    root = tmp_path / "checkout"
    (root / "pipeline").mkdir(parents=True)
    module = root / "pipeline" / "ledger.py"
    module.write_text("import dagster as dg\n\n\n@dg.asset\ndef ledger():\n    return 1\n")
    spec = importlib.util.spec_from_file_location("pipeline_ledger", module)
    loaded = importlib.util.module_from_spec(spec)
    sys.modules["pipeline_ledger"] = loaded
    spec.loader.exec_module(loaded)

    _git(root, "init", "-q")
    _git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "start")
    [local] = with_code_references([loaded.ledger], root)
    [reference] = local.metadata_by_key[dg.AssetKey("ledger")]["dagster/code_references"].code_references
    assert (reference.file_path, reference.line_number) == (str(module), 4)  # the decorator's line

    _git(root, "remote", "add", "origin", "git@github.com:bank/banking-dw.git")
    remote = repository_remote(root)
    assert remote is not None and remote.url == "https://github.com/bank/banking-dw"
    [linked] = with_code_references([loaded.ledger], root)
    [reference] = linked.metadata_by_key[dg.AssetKey("ledger")]["dagster/code_references"].code_references
    assert reference.url == f"https://github.com/bank/banking-dw/tree/{remote.commit}/pipeline/ledger.py#L4"
