"""``sitegen import``: a ceremony's CSV becomes checked award files, all or nothing, once."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.cli import main
from sitegen.commands.importer import (
    Cell,
    RowValues,
    award_id,
    check_folder,
    default_folder,
    mask_email,
    normalize_date,
    normalize_header,
    render_award,
    sniff_delimiter,
)
from sitegen.commands.load import load_site
from sitegen.diagnostics import Diagnostics
from sitegen.yamlsrc import Node, parse_yaml

ROOT = Path(__file__).resolve().parent.parent
AWARD_ID = re.compile(r"2024-03-pon-[0-9a-v]{8}")

COMMA_CSV = """\
badge,email,name,display,issued,listed,narrative,optional_criteria
ponctuel,camille.martin@example.net,Camille Martin,full,2024-03-14,true,Toujours à l'heure.,communication
ponctuel,julien.morel@example.net,Julien Morel,initial,2024-03-14,false,,
"""

# What LibreOffice writes for a French sheet: BOM, semicolons, CRLF, DD/MM/YYYY, and
# first letters capitalised by autocorrection.
FRENCH_CSV = (
    "\ufeffBadge;Adresse électronique;Prénom;Nom;Affichage;Date;Publié;Commentaire;"
    "Critères facultatifs\r\n"
    "Ponctuel;Camille.Martin@Example.net;Camille;Martin;Initiale;14/03/2024;Oui;"
    "\"Ponctualité : aucun retard.\r\nDeuxième ligne.\";Communication\r\n"
    "ponctuel;samia.haddad@example.net;Samia;Haddad;complet;14/03/2024;non;;\r\n"
    "ponctuel;nadia.lefevre@example.net;Nadia;Lefèvre;aucun;01/04/2024;;;\r\n"
).encode("utf-8")

BAD_ROWS_CSV = """\
badge;courriel;nom;date
ponctuell;ok@example.net;Ann Lee;14/03/2024
ponctuel;not an email;Bob Ray;14/03/2024
ponctuel;cara@example.net;Cara Doe;30/02/2024
ponctuel;;Dan Poe;14/03/2024
"""


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def award_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in (root / "content/awards").rglob("*.yaml")}


def new_awards(root: Path, before: set[str]) -> dict[str, Path]:
    return {Path(p).stem: root / p for p in sorted(award_files(root) - before)}


def write_csv(tmp_path: Path, content: str | bytes, name: str = "ceremonie.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_import_round_trip_check_passes_and_build_shows_the_awards(site_factory, tmp_path):
    root = site_factory()
    before = award_files(root)
    csv_file = write_csv(tmp_path, COMMA_CSV)
    result = run("import", str(csv_file), "--source", str(root))
    assert result.exit_code == 0, result.output
    created = new_awards(root, before)
    assert len(created) == 2
    assert all(AWARD_ID.fullmatch(new_id) for new_id in created)
    assert {p.parent.name for p in created.values()} == {"2024-03-ceremonie"}
    assert "created 2 award(s) in content/awards/2024-03-ceremonie/, 0 already there" in result.stdout
    check = run("check", "--source", str(root))
    assert check.exit_code == 0, check.output
    assert "ok: 1 issuer(s), 1 badge(s), 3 award(s)" in check.stderr
    out = tmp_path / "out"
    build = run("build", "--source", str(root), "--output", str(out))
    assert build.exit_code == 0, build.output
    pages = {aid: (out / f"awards/{aid}/index.html").read_text(encoding="utf-8") for aid in created}
    assert any("Camille Martin" in page and "Toujours à l" in page for page in pages.values())
    assert any("Julien M." in page and "Julien Morel" not in page for page in pages.values())


def test_import_writes_commented_files_naming_the_csv_row_and_never_the_person(
    site_factory, tmp_path
):
    root = site_factory()
    before = award_files(root)
    run("import", str(write_csv(tmp_path, COMMA_CSV)), "--source", str(root))
    for new_id, path in new_awards(root, before).items():
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# Attribution importée par « sitegen import » de « ceremonie.csv », ligne ")
        assert "camille" not in new_id and "martin" not in new_id
    texts = [p.read_text(encoding="utf-8") for p in new_awards(root, before).values()]
    assert any("ligne 2." in t and 'email: "camille.martin@example.net"' in t for t in texts)


def test_import_reads_french_semicolon_export_with_bom_crlf_and_dd_mm_yyyy(
    site_factory, tmp_path
):
    root = site_factory()
    before = award_files(root)
    result = run("import", str(write_csv(tmp_path, FRENCH_CSV)), "--source", str(root))
    assert result.exit_code == 0, result.output
    created = new_awards(root, before)
    # Rows span two months: the folder is the file's name alone.
    assert {p.parent.name for p in created.values()} == {"ceremonie"}
    site = load_site(root).site
    by_email = {a.recipient.email: a for a in site.awards if a.id in created}
    camille = by_email["camille.martin@example.net"]
    assert camille.recipient.name == "Camille Martin"  # "Nom" next to "Prénom" is the family name
    assert camille.recipient.shown_name == "Camille M."
    assert camille.listed is True
    assert camille.issued.date() == date(2024, 3, 14)
    assert camille.issued.utcoffset().total_seconds() == 3600  # midnight in Europe/Paris
    assert [c.id for c in camille.met_criteria] == ["ponctualite", "communication"]
    assert camille.narrative.values == (("fr", "Ponctualité : aucun retard.\nDeuxième ligne."),)
    samia = by_email["samia.haddad@example.net"]
    assert samia.recipient.shown_name == "Samia Haddad"
    assert samia.listed is False
    nadia = by_email["nadia.lefevre@example.net"]
    assert nadia.recipient.shown_name is None
    assert nadia.issued.date() == date(2024, 4, 1)


def test_import_reads_a_tab_separated_export(site_factory, tmp_path):
    root = site_factory()
    before = award_files(root)
    text = "email\tnom\tdate\nzoe@example.net\tZoé Roy\t2024-03-14\n"
    result = run("import", str(write_csv(tmp_path, text, "remise.tsv")), "--source", str(root),
                 "--badge", "ponctuel")
    assert result.exit_code == 0, result.output
    assert [p.parent.name for p in new_awards(root, before).values()] == ["2024-03-remise"]


def test_import_reports_every_bad_row_at_once_with_row_and_column_and_writes_nothing(
    site_factory, tmp_path, monkeypatch
):
    root = site_factory()
    before = award_files(root)
    write_csv(tmp_path, BAD_ROWS_CSV)
    monkeypatch.chdir(tmp_path)
    result = run("import", "ceremonie.csv", "--source", str(root))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "ceremonie.csv:2:1: error[award.unknown-badge]: column 'badge': badge 'ponctuell' does not exist",
        "  hint: did you mean 'ponctuel'?",
        "ceremonie.csv:3:2: error[award.bad-email]: column 'courriel': this is not a valid email address",
        "  hint: remove the spaces",
        "ceremonie.csv:4:4: error[award.bad-date]: column 'date': '30/02/2024' is not a valid date (that day does not exist)",
        "  hint: write dates as DD/MM/YYYY or YYYY-MM-DD, like 14/03/2024",
        "ceremonie.csv:5:2: error[import.empty-cell]: 'courriel' is empty: every row needs the email address",
        "4 problems (4 errors, 0 warnings) in 1 file",
        "nothing was written: fix the problems above and run again",
    ]
    assert result.stdout == ""
    assert award_files(root) == before
    assert not (root / "content/awards/2024-03-ceremonie").exists()


def test_import_never_prints_an_email_address_in_full(site_factory, tmp_path):
    root = site_factory()
    bad = "badge,email,issued\nponctuel,camille martin@example.net,2024-03-14\n"
    result = run("import", str(write_csv(tmp_path, bad)), "--source", str(root))
    assert result.exit_code == 1
    assert "camille" not in result.output
    good = run("import", str(write_csv(tmp_path, COMMA_CSV)), "--source", str(root))
    assert "c•••@example.net" in good.stdout and "j•••@example.net" in good.stdout
    assert "camille.martin" not in good.output and "julien.morel" not in good.output


def test_dry_run_shows_the_awards_and_writes_nothing(site_factory, tmp_path):
    root = site_factory()
    before = award_files(root)
    result = run("import", str(write_csv(tmp_path, COMMA_CSV)), "--source", str(root),
                 "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        r"row 2: would create content/awards/2024-03-ceremonie/2024-03-pon-[0-9a-v]{8}\.yaml "
        r"\(ponctuel, c•••@example\.net, 2024-03-14, name shown: Camille Martin\)", lines[0])
    assert lines[1].endswith("(ponctuel, j•••@example.net, 2024-03-14, name shown: Julien M.)")
    assert lines[2].startswith("dry run: 2 award(s) would be created")
    assert "nothing was written" in lines[2]
    assert award_files(root) == before
    assert not (root / "content/awards/2024-03-ceremonie").exists()


def test_second_import_of_the_same_file_creates_nothing_and_says_already_there(
    site_factory, tmp_path
):
    root = site_factory()
    csv_file = write_csv(tmp_path, COMMA_CSV)
    assert run("import", str(csv_file), "--source", str(root)).exit_code == 0
    after_first = award_files(root)
    again = run("import", str(csv_file), "--source", str(root))
    assert again.exit_code == 0, again.output
    assert award_files(root) == after_first
    assert again.stdout.count("already there in content/awards/2024-03-ceremonie/") == 2
    assert again.stdout.splitlines()[-1] == "nothing to create: 2 already there"


def test_row_matching_an_award_written_by_hand_is_already_there(site_factory, tmp_path):
    # The scratch site has ada@example.net's ponctuel of 14 March 2024 in content/awards/2024/a1.yaml.
    root = site_factory()
    before = award_files(root)
    text = "badge;email;date\nponctuel; ADA@example.NET ;14/03/2024\nponctuel;bea@example.net;14/03/2024\n"
    result = run("import", str(write_csv(tmp_path, text)), "--source", str(root))
    assert result.exit_code == 0, result.output
    assert "row 2: already there in content/awards/2024/a1.yaml (ponctuel, a•••@example.net, 2024-03-14)" in result.stdout
    assert len(new_awards(root, before)) == 1


def test_duplicate_rows_are_an_error_on_the_second(site_factory, tmp_path):
    root = site_factory()
    before = award_files(root)
    text = ("badge,email,issued\nponctuel,eve@example.net,2024-03-14\n"
            "ponctuel,fay@example.net,2024-03-14\nponctuel,EVE@example.net ,14/03/2024\n")
    result = run("import", str(write_csv(tmp_path, text)), "--source", str(root))
    assert result.exit_code == 1
    assert (f"{tmp_path / 'ceremonie.csv'}:4:2: error[import.duplicate-row]: this row repeats "
            "row 2: same badge, email address and date") in result.stderr
    assert award_files(root) == before


HOSTILE = {
    "formula": "=HYPERLINK(\"https://evil.example\";\"clic\")",
    "plus": "+33 6 00 00 00 00",
    "minus": "-1+2",
    "at": "@SUM(A1:A2)",
    "quote": "\"quote\" and 'apostrophe'",
    "colon": "a: b",
    "hash": "# x",
    "template": "{{ 7*7 }} {% if true %}x{% endif %}",
    "newline": "first line\nbadge: evil",
    "flow": "[1, 2] {a: 1} &anchor *alias !tag",
}


def test_formula_looking_and_yaml_hostile_cells_round_trip_as_literal_text(site_factory, tmp_path):
    root = site_factory()
    before = award_files(root)
    rows = [f"ponctuel;{key}@example.net;{csv_cell(value)};{csv_cell(value)};full\n"
            for key, value in HOSTILE.items()]
    text = "badge;email;name;narrative;display\n" + "".join(rows)
    result = run("import", str(write_csv(tmp_path, text)), "--source", str(root),
                 "--issued", "2024-03-14")
    assert result.exit_code == 0, result.output
    assert len(new_awards(root, before)) == len(HOSTILE)
    site = load_site(root).site
    by_key = {a.recipient.email.split("@")[0]: a for a in site.awards}
    for key, value in HOSTILE.items():
        award = by_key[key]
        assert award.badge.slug == "ponctuel", key
        assert award.recipient.name == value, key
        assert award.narrative.values == (("fr", value),), key
    out = tmp_path / "out"
    assert run("build", "--source", str(root), "--output", str(out)).exit_code == 0
    page = (out / f"awards/{by_key['template'].id}/index.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in page and ">49<" not in page


def csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def test_windows_1252_file_is_refused_with_row_and_column_of_the_first_bad_byte(
    site_factory, tmp_path
):
    root = site_factory()
    data = "badge;email;nom;date\nponctuel;a@example.net;Hélène;14/03/2024\n".encode("cp1252")
    csv_file = write_csv(tmp_path, data)
    result = run("import", str(csv_file), "--source", str(root))
    assert result.exit_code == 1
    assert (f"{csv_file}:2:3: error[import.encoding]: the file is not saved as UTF-8: byte 0xe9 "
            "(probably 'é' written in Windows-1252)") in result.stderr
    assert 'save it again as "CSV UTF-8"' in result.stderr


def test_utf16_file_is_refused(site_factory, tmp_path):
    root = site_factory()
    csv_file = write_csv(tmp_path, "badge\temail\n".encode("utf-16"))
    result = run("import", str(csv_file), "--source", str(root))
    assert result.exit_code == 1
    assert "error[import.encoding]: the file is saved as UTF-16" in result.stderr


def test_unknown_column_suggests_a_name_and_map_reads_other_headers(site_factory, tmp_path):
    root = site_factory()
    before = award_files(root)
    text = "Badge;Courriels;Service;Mél perso;Date\nponctuel;x;Atelier;gil@example.net;14/03/2024\n"
    csv_file = write_csv(tmp_path, text)
    result = run("import", str(csv_file), "--source", str(root))
    assert result.exit_code == 1
    assert f"{csv_file}:1:2: error[import.unknown-column]: unknown column 'Courriels'" in result.stderr
    assert "hint: did you mean 'courriel'?" in result.stderr
    assert f"{csv_file}:1:3: error[import.unknown-column]: unknown column 'Service'" in result.stderr
    mapped = run("import", str(csv_file), "--source", str(root), "--map", "Courriels=ignore",
                 "--map", "service=ignore", "--map", "Mél perso=courriel")
    assert mapped.exit_code == 0, mapped.output
    assert "g•••@example.net" in mapped.stdout
    assert len(new_awards(root, before)) == 1


def test_missing_columns_are_reported_unless_options_give_them(site_factory, tmp_path):
    root = site_factory()
    csv_file = write_csv(tmp_path, "nom\nAnn Lee\n")
    result = run("import", str(csv_file), "--source", str(root))
    assert result.exit_code == 1
    codes = re.findall(r"error\[([a-z.-]+)\]: (no column gives [a-z ]+)", result.stderr)
    assert sorted(codes) == [("import.missing-column", "no column gives the badge"),
                             ("import.missing-column", "no column gives the date"),
                             ("import.missing-column", "no column gives the email address")]
    with_options = run("import", str(csv_file), "--source", str(root), "--badge", "ponctuel",
                       "--issued", "2024-03-14")
    assert re.findall(r"error\[([a-z.-]+)\]: (no column gives [a-z ]+)", with_options.stderr) == [
        ("import.missing-column", "no column gives the email address")]


def test_badge_and_issued_options_fill_the_whole_ceremony(site_factory, tmp_path):
    root = site_factory()
    before = award_files(root)
    csv_file = write_csv(tmp_path, "courriel\nhal@example.net\nivy@example.net\n", "remise.csv")
    result = run("import", str(csv_file), "--source", str(root), "--badge", "ponctuel",
                 "--issued", "14/03/2024", "--folder", "content/awards/2024/remise")
    assert result.exit_code == 0, result.output
    created = new_awards(root, before)
    assert {p.parent.relative_to(root).as_posix() for p in created.values()} == {
        "content/awards/2024/remise"}
    text = next(iter(created.values())).read_text(encoding="utf-8")
    assert "badge: ponctuel\n" in text and "issued: 2024-03-14\n" in text
    assert "$schema=../../../../docs/schema/award.schema.json" not in text  # no schema in the scratch site


def test_wrong_options_are_usage_errors(site_factory, tmp_path):
    root = site_factory()
    csv_file = write_csv(tmp_path, "courriel\nhal@example.net\n")
    bad_badge = run("import", str(csv_file), "--source", str(root), "--badge", "ponctuell",
                    "--issued", "2024-03-14")
    assert bad_badge.exit_code == 2
    assert "badge 'ponctuell' does not exist (did you mean 'ponctuel'?)" in bad_badge.stderr
    bad_date = run("import", str(csv_file), "--source", str(root), "--badge", "ponctuel",
                   "--issued", "31/02/2024")
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.stderr
    bad_folder = run("import", str(csv_file), "--source", str(root), "--badge", "ponctuel",
                     "--issued", "2024-03-14", "--folder", "../outside")
    assert bad_folder.exit_code == 2 and "cannot be a folder" in bad_folder.stderr
    bad_map = run("import", str(csv_file), "--source", str(root), "--map", "courriel=mail2")
    assert bad_map.exit_code == 2 and "is not a field" in bad_map.stderr


def test_display_listed_and_criteria_values_are_checked_with_spreadsheet_hints(
    site_factory, tmp_path
):
    root = site_factory()
    text = ("badge,email,name,display,issued,listed,optional_criteria,expires\n"
            "ponctuel,a@example.net,Ann Lee,partiel,2024-03-14,peut-être,communication,\n"
            "ponctuel,b@example.net,,full,2024-03-14,,ponctualite,2024-01-01\n")
    csv_file = write_csv(tmp_path, text)
    result = run("import", str(csv_file), "--source", str(root))
    assert result.exit_code == 1
    err = result.stderr
    assert f"{csv_file}:2:4: error[award.bad-choice]: column 'display': 'partiel' is not one of" in err
    assert "hint: write full, initial or none (or complet, initiale, aucun)" in err
    assert f"{csv_file}:2:6: error[award.wrong-type]: column 'listed':" in err
    assert f"{csv_file}:3:4: error[award.display-without-name]" in err
    assert f"{csv_file}:3:7: error[award.unknown-criterion]: column 'optional_criteria': badge 'ponctuel' has no optional criterion 'ponctualite'" in err
    assert f"{csv_file}:3:8: error[award.expires-before-issued]" in err


def test_a_repository_with_errors_is_fixed_before_importing(site_factory, tmp_path):
    root = site_factory({"content/awards/2024/a1.yaml": "badge: ponctuell\n"})
    result = run("import", str(write_csv(tmp_path, COMMA_CSV)), "--source", str(root))
    assert result.exit_code == 1
    assert "content/awards/2024/a1.yaml" in result.stderr
    assert not (root / "content/awards/2024-03-ceremonie").exists()


def test_header_only_and_values_without_header_are_reported(site_factory, tmp_path):
    root = site_factory()
    empty = run("import", str(write_csv(tmp_path, "badge;email;date\n")), "--source", str(root))
    assert "error[import.empty]: there is no row below the header" in empty.stderr
    text = "badge;email;date;\nponctuel;a@example.net;14/03/2024;oops\n"
    csv_file = write_csv(tmp_path, text, "extra.csv")
    extra = run("import", str(csv_file), "--source", str(root))
    assert f"{csv_file}:2:4: error[import.unnamed-column]" in extra.stderr


# Pure functions


def test_normalize_header_ignores_case_accents_and_punctuation():
    assert normalize_header("  Adresse  Électronique ") == "adresse electronique"
    assert normalize_header("Critères_facultatifs") == "criteres facultatifs"
    assert normalize_header("Date d’attribution") == "date d attribution"
    assert normalize_header("E-mail") == "e mail"


def test_normalize_date_reads_french_dates_and_leaves_the_rest_to_the_checks():
    assert normalize_date("14/03/2024") == "2024-03-14"
    assert normalize_date("1/4/2024") == "2024-04-01"
    assert normalize_date("14/03/2024 00:00") == "2024-03-14"
    assert normalize_date("2024-03-14 00:00:00") == "2024-03-14"
    assert normalize_date("30/02/2024") == "2024-02-30"  # reported by the award checks
    assert normalize_date("demain") == "demain"


def test_mask_email_keeps_only_the_first_letter_and_the_domain():
    assert mask_email("camille.martin@example.net") == "c•••@example.net"
    assert mask_email("no-at-sign") == "•••"


def test_default_folder_is_the_file_name_prefixed_by_the_only_month():
    assert default_folder("Cérémonie du 14 mars.csv", ["2024-03"]) == "2024-03-ceremonie-du-14-mars"
    assert default_folder("remise-2024-03.csv", ["2024-03"]) == "remise-2024-03"
    assert default_folder("x.csv", ["2024-03", "2024-04"]) == "x"
    assert default_folder("###.csv", []) == "import"


def test_check_folder_refuses_paths_leaving_the_awards_folder():
    assert check_folder("content/awards/2024/remise/") == "2024/remise"
    for bad in ("../x", "/etc", "a/../../b", "", ".hidden"):
        with pytest.raises(ValueError, match="cannot be a folder"):
            check_folder(bad)


def test_sniff_delimiter_prefers_the_one_giving_known_headers():
    known = frozenset({"badge", "email", "nom", "date"})
    assert sniff_delimiter("badge;email;nom\n", known) == ";"
    assert sniff_delimiter("badge,email,nom\n", known) == ","
    assert sniff_delimiter("badge\temail\n", known) == "\t"
    assert sniff_delimiter("Nom, prénom;email;date\n", known) == ";"


def test_award_ids_are_sortable_and_end_with_the_random_token():
    assert award_id("esprit-equipe", date(2024, 3, 14), "0a1b2c3d") == "2024-03-esp-0a1b2c3d"


def parse_rendered(values: RowValues, source_name: str = "c.csv") -> dict[str, Node] | None:
    rendered = render_award(values, language="fr", source_name=source_name, schema_ref=None)
    node = parse_yaml(rendered.text.encode("utf-8"), "a.yaml", Diagnostics())
    assert node is not None and isinstance(node.value, dict)
    return {key: entry.node for key, entry in node.value.items()}


def cell(value: str, column: int = 1) -> Cell:
    return Cell(value=value, raw=value, column=column, header="h")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_cell_text_reads_back_as_the_same_text(text):
    values = RowValues(row=2, cells={
        "badge": cell("ponctuel"), "email": cell(text), "name": cell(text),
        "narrative": cell(text), "issued": cell(text),
    }, criteria=(text,))
    nodes = parse_rendered(values)
    recipient = nodes["recipient"].value
    assert recipient["email"].node.value == text
    assert recipient["name"].node.value == text
    assert nodes["narrative"].value == text
    assert nodes["issued"].value == text
    assert [n.value for n in nodes["optional_criteria"].value] == [text]
    assert nodes["badge"].value == "ponctuel"


def test_a_hostile_file_name_cannot_add_keys_through_the_header_comment():
    values = RowValues(row=2, cells={"badge": cell("ponctuel")})
    nodes = parse_rendered(values, source_name="x\nbadge: evil\u2028listed: true\x85y.csv")
    assert set(nodes) == {"badge", "recipient"}
    assert nodes["badge"].value == "ponctuel"


def test_every_import_code_is_documented():
    source = (ROOT / "sitegen/commands/importer.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'"(import\.[a-z-]+)"', source))
    assert len(codes) >= 9
    doc = (ROOT / "docs/content-format.md").read_text(encoding="utf-8")
    assert sorted(code for code in codes if f"`{code}`" not in doc) == []
