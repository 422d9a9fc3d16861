"""A format-2 archive (COPY files named by a manifest) trusts nothing either: a file or manifest
entry for anything but a table of a cabinet's schema (a table of `public`, another schema's, a
path), rows that break a constraint or are not the backup's, a migration state the code cannot
build and a manifest naming another tenant's schema are refused, and nothing changes."""

import json
import tarfile
from pathlib import Path

import pytest

from tenants.backup import BackupError, schema_checksums, tenant_restore
from tests.tenants.test_restore_hostile import (
    Edit,
    edit_manifest,
    honest_archive,
    tampered,
    world,
)


@pytest.fixture(scope="module")
def original(module_tenant, django_db_blocker, tmp_path_factory):
    """One honest format-2 archive of the module's tenant; every test tampers with a copy."""
    yield from honest_archive(module_tenant, django_db_blocker, tmp_path_factory, 2)


def change_manifest(change) -> Edit:
    def edit(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        change(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return edit


def both(*edits: Edit) -> Edit:
    def edit(folder: Path) -> None:
        for each in edits:
            each(folder)

    return edit


def add_table(name: str) -> Edit:
    """A table entry and its file, as if the backup had copied it."""

    def edit(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["tables"][name] = {"columns": ["id"]}
        manifest["checksums"][name] = [1, ""]
        (folder / "manifest.json").write_text(json.dumps(manifest))
        target = folder / "tables" / f"{name}.copy"
        if target.resolve().is_relative_to(folder.resolve()):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("1\n")

    return edit


def edit_rows(table: str, change) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / "tables" / f"{table}.copy"
        path.write_text(change(path.read_text()))

    return edit


def add_row_like_first(table: str, **values: str) -> Edit:
    """A row made from the table's first, with some columns changed."""

    def edit(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        columns = manifest["tables"][table]["columns"]
        path = folder / "tables" / f"{table}.copy"
        lines = path.read_text().splitlines()
        row = lines[0].split("\t")
        for column, value in values.items():
            row[columns.index(column)] = value
        path.write_text("\n".join([*lines, "\t".join(row)]) + "\n")

    return edit


def assert_refused(django_db_blocker, module_tenant, path: Path, match: str) -> None:
    with django_db_blocker.unblock():
        before = world(), schema_checksums(module_tenant.schema_name)
        with pytest.raises(BackupError, match=match):
            tenant_restore(path)
        assert (world(), schema_checksums(module_tenant.schema_name)) == before


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        # a table of public (a model the code knows, but not a cabinet's)
        (add_table("tenants_tenant"), "no table of a cabinet"),
        (add_table("shop.rbac_user"), "no table of a cabinet"),  # another schema's
        (add_table("../../public/tenants_tenant"), "no table of a cabinet"),  # a path
        (add_table("evil"), "no table of a cabinet"),  # nothing the code knows
        # a file for a table the manifest does not list
        (lambda folder: (folder / "tables" / "cabinet_webhook.copy").write_text("1\n"),
         "do not match its manifest"),
        # a file beside the archive's own
        (lambda folder: (folder / "schema.dump").write_text("x"), "which no backup writes"),
        (change_manifest(lambda m: m["sequences"].update({"rbac_user": {"id": ["1; x", True]}})),
         "unreadable"),
        (change_manifest(lambda m: m["tables"]["rbac_user"].update(columns=["id", "a b"])),
         "unreadable"),
    ],
    ids=["public-table", "other-schema", "path", "unknown", "unlisted-file", "extra-member",
         "sequence", "column"],
)  # fmt: skip
def test_an_archive_naming_anything_but_a_cabinets_tables_is_refused(
    original, module_tenant, django_db_blocker, tmp_path, edit, match
):
    # given an archive that names a table (or file) no cabinet's schema has
    path = tampered(original, tmp_path, edit)
    # when it is restored / then nothing changes
    assert_refused(django_db_blocker, module_tenant, path, match)


def test_a_path_outside_the_archive_is_refused(original, module_tenant, django_db_blocker,
                                               tmp_path):  # fmt: skip
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(original) as source, tarfile.open(path, "w:gz") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo("tables/../../rbac_user.copy")
        target.addfile(info)
    assert_refused(django_db_blocker, module_tenant, path, "suspicious")


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        # a foreign key to a user who does not exist
        (add_row_like_first("account_emailaddress", id="987654", email="x@evil.example.com",
                            user_id="987654321"), "do not fit"),
        # a primary key twice
        (add_row_like_first("rbac_user", email="twin@evil.example.com"), "do not fit"),
        # a value that is no date
        (add_row_like_first("rbac_user", id="987654", email="d@evil.example.com",
                            date_joined="the day before"), "do not fit"),
        # rows that load but are not the backup's
        (edit_rows("rbac_user", lambda text: text.replace("owner@", "intruder@")),
         "checksums differ"),
        (edit_rows("django_migrations", lambda text: "\n".join(text.splitlines()[:-1]) + "\n"),
         "not its manifest's"),
    ],
    ids=["foreign-key", "primary-key", "type", "checksums", "migration-rows"],
)  # fmt: skip
def test_rows_that_break_the_schema_or_are_not_the_backups_are_refused(
    original, module_tenant, django_db_blocker, tmp_path, edit, match
):
    path = tampered(original, tmp_path, edit)
    assert_refused(django_db_blocker, module_tenant, path, match)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (change_manifest(lambda m: m["migrations"].append(["hotel", "9999_from_the_future"])),
         "migrations this code does not have"),
        (change_manifest(lambda m: m["migrations"].remove(["rbac", "0002_audit_append_only"])),
         "not one this code can build"),
        (change_manifest(lambda m: m.update(migrations="all")), "unreadable"),
    ],
    ids=["unknown", "gap", "unreadable"],
)  # fmt: skip
def test_a_migration_state_the_code_cannot_build_is_refused(
    original, module_tenant, django_db_blocker, tmp_path, edit, match
):
    path = tampered(original, tmp_path, edit)
    assert_refused(django_db_blocker, module_tenant, path, match)


@pytest.mark.parametrize(
    ("slug", "schema", "match"),
    [
        ("shop", "shop", "not the manifest's tenant"),  # our archive relabelled as the shop's
        (None, "shop", "is not that of tenant"),  # our slug, the shop's schema
        ("public", "public", "platform's schema"),
        ("tpl-base", "tpl_base", "platform's schema"),
    ],
)
def test_a_manifest_naming_another_schema_is_refused(
    original, module_tenant, django_db_blocker, tmp_path, slug, schema, match
):
    edit = edit_manifest(slug=slug or module_tenant.slug, schema=schema)
    path = tampered(original, tmp_path, both(edit))
    assert_refused(django_db_blocker, module_tenant, path, match)
