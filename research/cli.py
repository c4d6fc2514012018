"""The command line, a thin layer over the domain functions.

    python -m research [--db PATH] init [--demo]
    python -m research user add NAME --role ROLE [--wijk W ...] [--email E] [--password-stdin]
    python -m research user list | reset-password NAME | disable NAME | enable NAME
    python -m research user end-sessions NAME
    python -m research tracker add --wijk W --text T [--date D] [--theme T] [--json]
    python -m research tracker similar (--id N | --text T --wijk W) [--json]
    python -m research tracker purge [--days N]
    python -m research tracker export OUT.xlsx [--wijk W]
    python -m research qual project add NAME [--lead U] [--member U] | list | members --project P
                                    [--add U] [--lead U] [--json]
    python -m research qual import FILE... --project P [--pattern X] [--pseudonymise] [--json]
    python -m research qual import-qdpx FILE [--project P] [--json]
    python -m research survey load FILE --monitor M --wave W [--questionnaire Q] [--json]
    python -m research survey estimate --monitor M --wave W --var V [--by B] [--weight COL
        --strata COL --psu COL --fpc COL] [--json]
    python -m research survey stapeling --data CSV --meta CSV [--reference mean|sd|FILE] [--json]
    python -m research qual export-qdpx --project P OUT | export-qdc --project P OUT
    python -m research qual codings --project P [--json]
    python -m research qual codebook-save --project P OUT.yaml | codebook-load --project P IN
    python -m research qual agreement --project P --coders A,B[,C] [--unit U] [--codes C1,C2 |
                                      --set S] [--json]
    python -m research qual saturation --project P [--base N --run N --threshold F] [--json]
    python -m research qual cooccurrence --project P [--mode M] [--window N] [--json]
    python -m research qual report --project P --format docx|xlsx|html [--code C]
                                   [--coders A,B | --consensus] OUT
    python -m research backup OUT
    python -m research restore IN [--password-stdin]     (also an encrypted backup from the app)
    python -m research decrypt-backup IN OUT [--password-stdin]

Errors are printed as one Dutch sentence on stderr with exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

# Only what the parser and every command need is imported here (accounts and storage are
# light: sqlite-utils, which brings pandas, is imported when a database is opened). Each
# command imports its domain modules when it runs, so `--help` and light commands start at
# once; `tests/test_cli.py` checks that `--help` imports no pandas, spaCy or scikit-learn.
from research import accounts
from research.accounts import ROLES, SYSTEM_USER, AccountError
from research.config import db_path
from research.errors import UserError

if TYPE_CHECKING:
    from research.storage import Store


def _password(args: argparse.Namespace) -> str | None:
    """The password given on standard input with --password-stdin, else None (generate one)."""
    if not getattr(args, "password_stdin", False):
        return None
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise AccountError("Er kwam geen wachtwoord binnen op standaardinvoer.")
    return password


def _user(store: Store, name: str) -> accounts.User:
    user = accounts.find_user(store, name)
    if user is None:
        raise AccountError(f"Er is geen account '{name}'.")
    return user


def cmd_init(store: Store, args: argparse.Namespace) -> None:
    from research.startup import admin_password_notice, prepare

    prepared = prepare(store, with_demo=args.demo)
    if prepared.demo_loaded:
        print("Demogegevens geladen (verzonnen, om de app te verkennen).")
    print(f"Database klaar: {store.path}")
    if prepared.admin_password:
        print(admin_password_notice(prepared.admin_password))
    elif os.environ.get("RESEARCH_ADMIN_PASSWORD") and accounts.find_user(store, "admin"):
        print("Log in als 'admin' met het wachtwoord uit RESEARCH_ADMIN_PASSWORD "
              "(alleen bij de eerste start gezet).")
    else:
        print("Log in met je account. Wachtwoord kwijt? "
              ".venv/bin/python -m research user reset-password admin")


def cmd_user_add(store: Store, args: argparse.Namespace) -> None:
    given = _password(args)
    password = given or accounts.generate_password()
    user = accounts.create_user(store, SYSTEM_USER, args.name, args.role, password,
                                display_name=args.display_name, email=args.email,
                                wijken=args.wijk or ())
    print(f"Account '{user.username}' aangemaakt met rol {user.role_label}.")
    if not given:
        print(f"Wachtwoord (wordt maar één keer getoond): {password}")


def cmd_user_list(store: Store, args: argparse.Namespace) -> None:
    for row in accounts.list_users(store):
        state = "actief" if row["active"] else "uitgeschakeld"
        wijken = f"  [{row['wijken']}]" if row["wijken"] else ""
        print(f"{row['username']:<24} {ROLES[row['role']]:<12} {state}{wijken}")


def cmd_user_reset(store: Store, args: argparse.Namespace) -> None:
    user = _user(store, args.name)
    password = accounts.reset_password(store, SYSTEM_USER, user.account_id, _password(args))
    if not args.password_stdin:
        print(f"Nieuw wachtwoord voor '{user.username}' (wordt maar één keer getoond): {password}")
    else:
        print(f"Wachtwoord van '{user.username}' gewijzigd.")


def cmd_user_active(store: Store, args: argparse.Namespace) -> None:
    user = _user(store, args.name)
    accounts.update_user(store, SYSTEM_USER, user.account_id, active=args.active)
    print(f"Account '{user.username}' {'ingeschakeld' if args.active else 'uitgeschakeld'}.")


def cmd_user_end_sessions(store: Store, args: argparse.Namespace) -> None:
    from research import sessions

    user = _user(store, args.name)
    ended = sessions.revoke_user(store, SYSTEM_USER, user.account_id)
    print(f"Sessies van '{user.username}' beëindigd: {ended}.")


def cmd_backup(store: Store, args: argparse.Namespace) -> None:
    from research.backup import backup

    path = backup(store, args.out, SYSTEM_USER.actor)
    print(f"Back-up geschreven naar {path}.")


def _passphrase(args: argparse.Namespace) -> str:
    """The password of an encrypted backup: from standard input, or asked without echo."""
    if args.password_stdin:
        passphrase = sys.stdin.readline().rstrip("\n")
    else:
        passphrase = getpass.getpass("Wachtwoord van de back-up: ")
    if not passphrase:
        from research.sealed import SealError
        raise SealError("Er kwam geen wachtwoord voor de back-up binnen.")
    return passphrase


def cmd_restore(store: Store, args: argparse.Namespace) -> None:
    from research import sealed
    from research.backup import restore

    source = Path(args.source)
    if sealed.is_sealed(source):
        # Decrypted beside the database (as well protected as it), and gone afterwards.
        with tempfile.TemporaryDirectory(dir=store.path.parent) as folder:
            plain = sealed.decrypt_file(source, Path(folder) / source.name.removesuffix(
                ".versleuteld"), _passphrase(args))
            safety = restore(store, plain, SYSTEM_USER.actor)
    else:
        safety = restore(store, source, SYSTEM_USER.actor)
    print(f"Back-up {args.source} teruggezet. De vorige inhoud staat in {safety}.")


def cmd_decrypt_backup(store: Store, args: argparse.Namespace) -> None:
    from research import sealed

    sealed.decrypt_file(args.source, args.out, _passphrase(args))
    print(f"Ontsleuteld naar {args.out}. Bewaar dit bestand even zorgvuldig als de database.")


def cmd_serve(store: Store, args: argparse.Namespace) -> None:
    """The app on the database `store` opened (see research.ui.app)."""
    from research.ui import app

    app.serve(store, args.port, args.address, [a for a in args.streamlit if a != "--"],
              public_port=args.public_port)


def cmd_public(store: None, args: argparse.Namespace) -> None:
    """The public door (research.public.site), given only the published view's path: this
    command never opens the database."""
    from research.public import server

    server.run(db_path(args.db), args.port, args.address)


def cmd_bench(store: Store, args: argparse.Namespace) -> None:
    """The benchmark, on invented data in its own temporary database (`store` is not used)."""
    from research.bench import run as bench  # imported here: only this command needs it

    document = bench.main(args.scale, args.only, args.out, quiet=args.json)
    if args.json:
        _print_json(document)


class _Parser(argparse.ArgumentParser):
    """argparse with the project's error convention: `Fout: ...` and exit status 1."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(1, f"Fout: ongeldige opdracht ({message}). "
                     "Zie `python -m research --help`.\n")


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_tracker_add(store: Store, args: argparse.Namespace) -> None:
    from research.tracker import dates, questions, similarity, themes

    asked_on = dates.parse_date(args.date, date.today())
    similar = similarity.similar(store, SYSTEM_USER, args.text, args.wijk)
    suggestions = themes.suggest(store, args.text)
    question_id = questions.log_question(
        store, SYSTEM_USER, wijk_id=args.wijk, asked_on=asked_on, text=args.text,
        asker_group=args.group, place=args.place or "", programme_id=args.theme,
        future_confirmed=args.future)
    result = {"id": question_id, "date": asked_on.isoformat(),
              "theme_suggestions": [vars(s) for s in suggestions],
              "similar": [{"id": r["id"], "score": r["score"], "exact": r["exact"]}
                          for r in similar]}
    if args.json:
        _print_json(result)
        return
    print(f"Vraag {question_id} vastgelegd ({dates.format_date(asked_on)}).")
    for s in suggestions:
        print(f"  Programma voorgesteld: {s.name} ({s.score:.2f}, {s.source})")
    for r in similar:
        print(f"  Lijkt op vraag {r['id']} ({r['score']:.0f}{', exact' if r['exact'] else ''})")


def cmd_tracker_similar(store: Store, args: argparse.Namespace) -> None:
    from research.tracker import hints, questions

    if args.id is not None:
        question = questions.get_question(store, SYSTEM_USER, args.id)
        text, wijk = question["text"], question["wijk_id"]
    else:
        text, wijk = args.text, args.wijk
        if not wijk:
            raise questions.QuestionError("Geef met --wijk aan in welke wijkwerkplaats je zoekt.")
    # Lexical and by meaning (the model runs in this process; a wijk's questions are
    # embedded once and then kept in the vector file beside the database).
    found, _ = hints.similar(store, SYSTEM_USER, text, wijk, limit=args.limit,
                             exclude_id=args.id)
    if args.json:
        _print_json([{"id": r["id"], "score": r["score"], "exact": r["exact"],
                      "date": r["asked_on"], "text": r["text"]} for r in found])
        return
    for r in found:
        print(f"{r['id']:>6}  {r['score']:>5.1f}  {r['asked_on']}  {r['text']}")
    if not found:
        print("Geen vergelijkbare vragen gevonden.")


def cmd_tracker_export(store: Store, args: argparse.Namespace) -> None:
    from research.tracker import yearreport

    # Contact details never go into this export (the function does not read them).
    yearreport.export_questions_xlsx(store, SYSTEM_USER, Path(args.out), wijk_id=args.wijk)
    print(f"Geschreven: {args.out}")


def cmd_tracker_purge(store: Store, args: argparse.Namespace) -> None:
    from research.tracker import contacts

    days = contacts.RETENTION_DAYS if args.days is None else args.days
    erased = contacts.purge(store, SYSTEM_USER.actor, retention_days=days)
    print(f"{erased} contactgegevens gewist (vragen gesloten langer dan {days} dagen geleden).")


def _acting(store: Store, args: argparse.Namespace) -> accounts.User:
    """The account a qual command acts as (--user), else the system account."""
    return _user(store, args.user) if getattr(args, "user", None) else SYSTEM_USER


def cmd_qual_project_add(store: Store, args: argparse.Namespace) -> None:
    from research.qual import projects

    user = _acting(store, args)
    leads = [_user(store, name) for name in args.lead or []]
    members = [_user(store, name) for name in args.member or []]
    project_id = projects.create_project(store, user, args.name, args.description or "")
    for member, role in [*((m, "lead") for m in leads), *((m, "member") for m in members)]:
        if member.id != user.id:
            projects.add_member(store, user, project_id, member.account_id, role)
    if args.json:
        _print_json({"project_id": project_id, "name": args.name.strip(),
                     "members": projects.members(store, SYSTEM_USER, project_id)})
        return
    print(f"Project {project_id} '{args.name.strip()}' aangemaakt.")


def cmd_qual_project_list(store: Store, args: argparse.Namespace) -> None:
    from research.qual import projects

    rows = projects.list_projects(store, _acting(store, args))
    if args.json:
        _print_json(rows)
        return
    for row in rows:
        print(f"{row['id']:>4}  {row['name']}  ({row['documents']} documenten, {row['codes']} "
              f"codes, {row['codings']} coderingen, {row['members']} leden)")


def cmd_qual_project_members(store: Store, args: argparse.Namespace) -> None:
    from research.qual import projects

    user = _acting(store, args)
    project_id = projects.find(store, user, args.project)
    for names, role in ((args.add or [], "member"), (args.lead or [], "lead")):
        for name in names:
            projects.add_member(store, user, project_id, _user(store, name).account_id, role)
    rows = projects.members(store, user, project_id)
    if args.json:
        _print_json(rows)
        return
    for row in rows:
        print(f"{row['username']:<24} {projects.MEMBER_ROLES[row['role']]}")


def _import_one(store: Store, user: accounts.User, project_id: int, path: str,
                args: argparse.Namespace) -> dict:
    """Read, optionally pseudonymise, and store one transcript file."""
    from research.qual import intake, pseudonyms, transcripts

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise transcripts.TranscriptError(f"'{path}' kan niet worden geopend: "
                                          f"{error.strerror or error}.") from error
    transcript = transcripts.read(os.path.basename(path), data, args.pattern)
    # On the command line every suggestion is taken; review them in the app instead when a
    # name might be missed or over-replaced.
    accepted = pseudonyms.suggest(store, user, project_id, transcript) \
        if args.pseudonymise else None
    modes = None if args.cases == "auto" else dict.fromkeys(transcript.speakers(), args.cases)
    document_id = intake.save(store, user, project_id, transcript, accepted=accepted,
                              case_modes=modes)
    return {"file": path, "document_id": document_id, "turns": len(transcript.turns),
            "speakers": transcript.speakers(), "words": transcript.word_count(),
            "warnings": transcript.warnings}


def cmd_qual_import(store: Store, args: argparse.Namespace) -> None:
    from research.qual import projects

    user = _acting(store, args)
    project_id = projects.find(store, user, args.project)
    results, failed = [], 0
    for number, path in enumerate(args.files, 1):
        print(f"[{number}/{len(args.files)}] {path}", file=sys.stderr)
        try:
            results.append(_import_one(store, user, project_id, path, args))
        except UserError as error:
            # One file goes in whole or not at all; the others of the batch still go in.
            failed += 1
            results.append({"file": path, "error": error.message})
            print(f"Fout: {error.message}", file=sys.stderr)
    if args.json:
        _print_json(results)
    else:
        for r in results:
            if "document_id" in r:
                print(f"{r['file']}: document {r['document_id']}, {r['turns']} beurten, "
                      f"sprekers: {', '.join(r['speakers']) or 'geen'}")
                for warning in r["warnings"]:
                    print(f"  Let op: {warning}")
    if failed:
        raise UserError(f"{failed} van de {len(args.files)} bestanden niet geïmporteerd.")


def cmd_qual_import_qdpx(store: Store, args: argparse.Namespace) -> None:
    from research.qual import exchange, projects

    user = _acting(store, args)
    target = projects.find(store, user, args.project) if args.project else None
    result = exchange.import_qdpx(store, user, args.file, project_id=target)
    if args.json:
        _print_json(result)
        return
    print(f"Project {result['project_id']}: {result['codes']} codes, {result['documents']} "
          f"documenten, {result['codings']} coderingen, {result['cases']} casussen, "
          f"{result['memos']} memo's.")
    for warning in result["warnings"]:
        print(f"  Let op: {warning}")


def cmd_qual_export(store: Store, args: argparse.Namespace) -> None:
    from research.qual import exchange, projects

    user = _acting(store, args)
    project_id = projects.find(store, user, args.project)
    if args.format == "qdpx":
        exchange.export_qdpx(store, user, project_id, args.out)
    else:
        exchange.export_qdc(store, user, project_id, args.out)
    print(f"Geschreven: {args.out}")


def cmd_qual_codebook_save(store: Store, args: argparse.Namespace) -> None:
    from research.qual import codebook, projects

    user = _acting(store, args)
    project_id = projects.find(store, user, args.project)
    Path(args.out).write_text(codebook.to_yaml(store, user, project_id), encoding="utf-8")
    print(f"Geschreven: {args.out}")


def cmd_qual_codebook_load(store: Store, args: argparse.Namespace) -> None:
    from research.qual import codebook, exchange, projects

    user = _acting(store, args)
    project_id = projects.find(store, user, args.project)
    if args.file.lower().endswith(".qdc"):
        result = exchange.import_qdc(store, user, project_id, Path(args.file))
        print(f"{result['codes']} codes en {result['codesets']} codesets toegevoegd.")
        for warning in result["warnings"]:
            print(f"  Let op: {warning}")
        return
    flat, sets = codebook.read_yaml_file(Path(args.file))
    result = codebook.load_codes(store, user, project_id, flat, sets)
    print(f"{result['codes']} codes toegevoegd ({result['skipped']} bestonden al), "
          f"{result['codesets']} codesets.")


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _code_ids(store: Store, user: accounts.User, project_id: int, names: list[str]) -> list[int]:
    from research.qual import codebook

    return [codebook.find_code(store, user, project_id, name) for name in names]


def cmd_qual_agreement(store: Store, args: argparse.Namespace) -> None:
    from research.qual import codebook, intercoder, projects

    user = _acting(store, args)
    project_id = projects.find(store, user, args.project)
    coder_ids = [_user(store, name).account_id for name in _names(args.coders)]
    set_id = None
    if args.set:
        sets = {s["name"]: s["id"] for s in codebook.code_sets(store, user, project_id)}
        if args.set not in sets:
            raise UserError(f"Er is geen codeset '{args.set}'.")
        set_id = sets[args.set]
    result = intercoder.compare(store, user, project_id, coder_ids=coder_ids, unit=args.unit,
                                code_ids=_code_ids(store, user, project_id, _names(args.codes))
                                or None, set_id=set_id)
    chosen = result["nominal"] if set_id is not None and result["nominal"] else result["pooled"]
    summary = {"coders": result["coders"], "unit": args.unit,
               "percent_agreement": chosen["percent_agreement"],
               "cohen_kappa": chosen["cohen_kappa"],
               "krippendorff_alpha": chosen["krippendorff_alpha"],
               "alpha_ci": chosen["alpha_ci"], "n_units": chosen["n_units"],
               "per_code": result["per_code"]}
    if args.json:
        _print_json(summary)
        return
    print(f"Codeurs: {', '.join(result['coders'])}; eenheid: {args.unit}; "
          f"{summary['n_units']} eenheden")
    for name, stats in [*result["per_code"].items(), ("(samen)", chosen)]:
        alpha, ci = stats["krippendorff_alpha"], stats["alpha_ci"]
        print(f"  {name}: {_fmt(stats['percent_agreement'])} overeenstemming, kappa "
              f"{_fmt(stats['cohen_kappa'])}, alfa {_fmt(alpha)} "
              f"[{_fmt(ci[0])}, {_fmt(ci[1])}]")


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def cmd_qual_saturation(store: Store, args: argparse.Namespace) -> None:
    from research.qual import projects, saturation

    user = _acting(store, args)
    project_id = projects.find(store, user, args.project)
    points = saturation.curve(store, user, project_id)
    verdict = saturation.assess(points, base=args.base, run=args.run_length,
                                threshold=args.threshold)
    if args.json:
        _print_json({"documents": points, **verdict})
        return
    for n, point in enumerate(points, 1):
        print(f"{n:>3}. {point['document']}: {point['new']} nieuw, {point['cumulative']} totaal")
    print(verdict["statement"])


def cmd_qual_cooccurrence(store: Store, args: argparse.Namespace) -> None:
    from research.qual import comparison, projects

    user = _acting(store, args)
    project_id = projects.find(store, user, args.project)
    result = comparison.cooccurrence(store, user, project_id, args.mode, window=args.window)
    names = [c["name"] for c in result["codes"]]
    pairs = [{"code_a": names[i], "code_b": names[j], "count": result["counts"][i][j],
              "coefficient": result["coefficient"][i][j]}
             for i in range(len(names)) for j in range(i + 1, len(names))
             if result["counts"][i][j]]
    if args.json:
        _print_json({"mode": args.mode, "codes": names, "counts": result["counts"],
                     "coefficient": result["coefficient"], "pairs": pairs})
        return
    for pair in sorted(pairs, key=lambda p: -p["count"]):
        print(f"{pair['count']:>5}  {pair['coefficient']:.3f}  {pair['code_a']} + {pair['code_b']}")


def cmd_qual_report(store: Store, args: argparse.Namespace) -> None:
    from research.qual import projects, reports

    user = _acting(store, args)
    project_id = projects.find(store, user, args.project)
    code_id = _code_ids(store, user, project_id, [args.code])[0] if args.code else None
    coder_ids = [_user(store, name).account_id for name in _names(args.coders)] or None
    Path(args.out).write_bytes(reports.render(store, user, project_id, args.format, code_id,
                                              coder_ids=coder_ids, consensus=args.consensus))
    print(f"Geschreven: {args.out}")


def cmd_qual_codings(store: Store, args: argparse.Namespace) -> None:
    from research.qual import codings, documents, projects

    user = _acting(store, args)
    project_id = projects.find(store, user, args.project)
    rows = []
    for doc in documents.documents(store, user, project_id):
        text = documents.document(store, user, doc["id"])["text"]
        rows += [{"document": doc["name"], "code": c["code"], "start": c["start_pos"],
                  "end": c["end_pos"], "text": text[c["start_pos"]:c["end_pos"]],
                  "coder": c["coder"]} for c in codings.codings(store, user, doc["id"])]
    if args.json:
        _print_json(rows)
        return
    for r in rows:
        print(f"{r['document']}\t{r['code']}\t{r['start']}-{r['end']}\t{r['coder'] or ''}")


# -- survey -----------------------------------------------------------------------------------

def _monitor(store: Store, user: accounts.User, args: argparse.Namespace) -> int:
    """The monitor named by --monitor; created with --create when it does not exist."""
    from research.survey import monitors as survey_monitors

    try:
        return survey_monitors.find(store, user, args.monitor)
    except survey_monitors.MonitorError:
        if not getattr(args, "create", None):
            raise
        return survey_monitors.create_monitor(store, user, args.monitor, args.create)


def _read_file(path: str) -> bytes:
    from research.survey import monitors as survey_monitors

    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise survey_monitors.MonitorError(f"'{path}' kan niet worden geopend: "
                                           f"{error.strerror or error}.") from error


def cmd_survey_load(store: Store, args: argparse.Namespace) -> None:
    from research.survey import intake as survey_intake

    user = _acting(store, args)
    monitor_id = _monitor(store, user, args)
    if args.frame:
        survey_intake.set_frame_from_file(store, user, monitor_id, _read_file(args.frame),
                                          os.path.basename(args.frame))
    wave = survey_intake.read(_read_file(args.file), os.path.basename(args.file),
                              _read_file(args.questionnaire) if args.questionnaire else None,
                              os.path.basename(args.questionnaire or "vragenlijst"),
                              choice_limit=args.choices)
    wave_id, rows = survey_intake.load(store, user, monitor_id, args.wave, args.year, wave,
                                       source=os.path.basename(args.file))
    result = {"monitor_id": monitor_id, "wave_id": wave_id, "wave": args.wave,
              "respondents": len(wave.data), "variables": len(wave.variables),
              "results": rows, "warnings": wave.warnings}
    if args.json:
        _print_json(result)
        return
    print(f"Meting {args.wave} geladen: {len(wave.data)} respondenten, {rows} resultaten.")
    for warning in wave.warnings:
        print(f"  Let op: {warning}")


def cmd_survey_close_fieldwork(store: Store, args: argparse.Namespace) -> None:
    """Close a wave's online fieldwork: its sent answers become the wave (as on Veldwerk)."""
    from research.survey import invitations, raw_responses
    from research.survey import monitors as survey_monitors

    user = _acting(store, args)
    monitor_id = _monitor(store, user, args)
    fieldwork_id = invitations.of_wave(
        store, user, survey_monitors.find_wave(store, user, monitor_id, args.wave))
    wave_id, rows = invitations.close(store, user, fieldwork_id)
    for kind, out in (("sav", args.sav), ("xlsx", args.xlsx)):
        if out:
            Path(out).write_bytes(raw_responses.export(store, user, fieldwork_id, kind))
    responses = survey_monitors.waves(store, user, monitor_id)
    count = next(w["responses"] for w in responses if w["id"] == wave_id)
    if args.json:
        _print_json({"monitor_id": monitor_id, "wave_id": wave_id, "wave": args.wave,
                     "respondents": count, "results": rows})
        return
    print(f"Veldwerk gesloten: meting {args.wave} heeft {count} respondenten, {rows} "
          "resultaten.")


def cmd_survey_estimate(store: Store, args: argparse.Namespace) -> None:
    from research.survey import monitors as survey_monitors
    from research.survey import results as survey_results

    user = _acting(store, args)
    monitor_id = survey_monitors.find(store, user, args.monitor)
    wave_id = survey_monitors.find_wave(store, user, monitor_id, args.wave)
    psu, ssu = _stages(args.psu, args.ssu, "--psu", "--ssu")
    fpc, fpc2 = _stages(args.fpc, args.fpc2, "--fpc", "--fpc2")
    overrides = {"weight": args.weight, "strata": args.strata, "psu": psu, "fpc": fpc,
                 "ssu": ssu, "fpc2": fpc2}
    table, design = survey_results.estimate(store, user, wave_id, args.var, args.by, overrides)
    minimum = survey_monitors.monitor(store, user, monitor_id)["min_n"]
    var = next(v for v in survey_monitors.variables(store, user, monitor_id)
               if v["name"] == args.var)
    records = []
    for row in table.itertuples():
        records.append({
            "group": row.grp, "statistic": row.statistic,
            "category": None if row.category is None or row.category != row.category
            else row.category,
            "label": None if row.statistic != "aandeel" else
            survey_monitors.value_label(var, row.category),
            "estimate": _clean(row.estimate), "se": _clean(row.se),
            "ci_low": _clean(row.ci_low), "ci_high": _clean(row.ci_high), "n": int(row.n),
            "neff": _clean(row.neff), "suppressed": bool(row.n < minimum)})
    if args.json:
        _print_json({"design": design.text, "rows": records})
        return
    print(design.text)
    for r in records:
        what = r["label"] or r["statistic"]
        shown = "." if r["suppressed"] else f"{r['estimate']:.4f} (se {r['se']:.4f})"
        print(f"{r['group']:<28} {what:<24} {shown}  n={r['n']}")


def _stages(first: str | None, second: str | None, flag: str, second_flag: str):
    """A design flag for two stages as R writes them ('dnum+snum'), or the two flags."""
    from research.survey import monitors as survey_monitors

    if first and "+" in first:
        parts = [p.strip() for p in first.split("+")]
        if len(parts) != 2 or not all(parts) or second:
            raise survey_monitors.MonitorError(
                f"{flag} neemt één kolom of twee met een plus (eerste+tweede trap); de tweede "
                f"trap kan ook met {second_flag}.")
        return parts[0], parts[1]
    return first, second


def _clean(value):
    """A float for JSON: NaN becomes null."""
    return None if value is None or value != value else float(value)


def cmd_survey_stapeling(store: Store, args: argparse.Namespace) -> None:
    from research import untrusted
    from research.survey import stapeling

    data, meta = stapeling.load_table(_read_file(args.data), _read_file(args.meta))
    reference, given = args.reference, None
    if reference not in stapeling.REFERENCES:
        table, _ = stapeling.read_csv(_read_file(reference), os.path.basename(reference))
        given = {row[0]: untrusted.parse_number(row[1]) for row in table.itertuples(index=False)}
        reference = "given"
    result = stapeling.stapeling(data, meta, reference, given)
    counts = result.counts
    if args.json:
        _print_json({"rule": result.rule, "areas": [
            {"area": r.area, "unfavourable": int(r.unfavourable),
             "indicators": [i for i in r.indicators.split(", ") if i],
             "measured": int(r.measured)} for r in counts.itertuples()]})
        return
    print(result.rule)
    for r in counts.itertuples():
        print(f"{r.area:<40} {r.unfavourable:>2}  {r.indicators}")


def parser() -> argparse.ArgumentParser:
    """The argument parser (its help texts are the command line's documentation)."""
    from research.qual.transcripts import PATTERNS  # light modules: no pandas, spaCy
    from research.survey.monitors import UNIT_KINDS

    top = _Parser(prog="python -m research",
                                  description="Onderzoekswerkplaats vanaf de opdrachtregel.")
    top.add_argument("--db", help="databasebestand (standaard RESEARCH_DB of data/research.db)")
    commands = top.add_subparsers(dest="command", required=True, metavar="OPDRACHT")

    init = commands.add_parser("init", help="database aanmaken of bijwerken, taxonomieën laden")
    init.add_argument("--demo", action="store_true", help="demogegevens laden (eenmalig)")
    init.set_defaults(run=cmd_init)

    user = commands.add_parser("user", help="accounts beheren")
    user_cmds = user.add_subparsers(dest="user_command", required=True, metavar="ACTIE")
    add = user_cmds.add_parser("add", help="account toevoegen")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--wijk", action="append", help="wijkwerkplaats (coördinator), herhaalbaar")
    add.add_argument("--display-name", help="volledige naam")
    add.add_argument("--email", help="e-mailadres (voor inloggen via de organisatie)")
    add.add_argument("--password-stdin", action="store_true",
                     help="wachtwoord lezen van standaardinvoer in plaats van genereren")
    add.set_defaults(run=cmd_user_add)
    user_cmds.add_parser("list", help="accounts tonen").set_defaults(run=cmd_user_list)
    reset = user_cmds.add_parser("reset-password", help="nieuw wachtwoord instellen")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true")
    reset.set_defaults(run=cmd_user_reset)
    for name, active, text in [("disable", False, "account uitschakelen"),
                               ("enable", True, "account inschakelen")]:
        sub = user_cmds.add_parser(name, help=text)
        sub.add_argument("name")
        sub.set_defaults(run=cmd_user_active, active=active)
    end_sessions = user_cmds.add_parser(
        "end-sessions", help="alle open sessies (ook in andere browsers) beëindigen")
    end_sessions.add_argument("name")
    end_sessions.set_defaults(run=cmd_user_end_sessions)

    tracker = commands.add_parser("tracker", help="bewonersvragen")
    tracker_cmds = tracker.add_subparsers(dest="tracker_command", required=True, metavar="ACTIE")
    add_q = tracker_cmds.add_parser("add", help="vraag vastleggen")
    add_q.add_argument("--wijk", required=True, help="nieuw-west, zuidoost of noord")
    add_q.add_argument("--text", required=True, help="de vraag in de woorden van de bewoner")
    add_q.add_argument("--date", default="vandaag",
                       help="datum, ook 'gisteren' of 'vorige week dinsdag' (standaard vandaag)")
    add_q.add_argument("--theme", help="onderzoeksprogramma (id uit codebooks/programmas.yaml)")
    add_q.add_argument("--group", default="bewoner", help="wie de vraag stelde (standaard bewoner)")
    add_q.add_argument("--place", help="bijeenkomst of plek")
    add_q.add_argument("--future", action="store_true", help="een datum in de toekomst bevestigen")
    add_q.add_argument("--json", action="store_true", help="uitvoer als JSON")
    add_q.set_defaults(run=cmd_tracker_add, brief=True)
    sim = tracker_cmds.add_parser("similar", help="vergelijkbare vragen zoeken")
    which = sim.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, help="een vastgelegde vraag")
    which.add_argument("--text", help="een nieuwe tekst")
    sim.add_argument("--wijk", help="wijkwerkplaats (bij --text)")
    sim.add_argument("--limit", type=int, default=5)
    sim.add_argument("--json", action="store_true", help="uitvoer als JSON")
    sim.set_defaults(run=cmd_tracker_similar, brief=True)
    purge = tracker_cmds.add_parser("purge", help="contactgegevens wissen na de bewaartermijn")
    purge.add_argument("--days", type=int, help="bewaartermijn na het sluiten van een vraag "
                       "(standaard 365)")
    purge.set_defaults(run=cmd_tracker_purge)
    export = tracker_cmds.add_parser("export", help="bewonersvragen naar Excel (zonder contact)")
    export.add_argument("out", metavar="OUT.xlsx")
    export.add_argument("--wijk", help="alleen deze wijkwerkplaats")
    export.set_defaults(run=cmd_tracker_export)

    qual = commands.add_parser("qual", help="kwalitatieve projecten")
    qual_cmds = qual.add_subparsers(dest="qual_command", required=True)
    proj = qual_cmds.add_parser("project", help="projecten aanmaken en bekijken, leden")
    proj_cmds = proj.add_subparsers(dest="project_command", required=True, metavar="ACTIE")
    padd = proj_cmds.add_parser("add", help="project aanmaken (wie het aanmaakt, leidt het)")
    padd.add_argument("name", metavar="NAAM")
    padd.add_argument("--description", help="omschrijving")
    padd.add_argument("--lead", action="append", metavar="NAAM", help="projectleider (herhaalbaar)")
    padd.add_argument("--member", action="append", metavar="NAAM", help="lid (herhaalbaar)")
    padd.add_argument("--user", help="account dat het project aanmaakt (standaard: systeem)")
    padd.add_argument("--json", action="store_true")
    padd.set_defaults(run=cmd_qual_project_add)
    plist = proj_cmds.add_parser("list", help="projecten met aantallen")
    plist.add_argument("--user", help="alleen de projecten van dit account")
    plist.add_argument("--json", action="store_true")
    plist.set_defaults(run=cmd_qual_project_list)
    pmem = proj_cmds.add_parser("members", help="leden tonen of toevoegen")
    pmem.add_argument("--project", required=True, help="naam of nummer van het project")
    pmem.add_argument("--add", action="append", metavar="NAAM", help="lid toevoegen (herhaalbaar)")
    pmem.add_argument("--lead", action="append", metavar="NAAM",
                      help="projectleider toevoegen (herhaalbaar)")
    pmem.add_argument("--user")
    pmem.add_argument("--json", action="store_true")
    pmem.set_defaults(run=cmd_qual_project_members)
    imp = qual_cmds.add_parser("import", help="transcripten importeren (.txt .docx .vtt .srt .md)")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--project", required=True, help="naam of nummer van het project")
    imp.add_argument("--pattern", default="auto", help="sprekerpatroon: "
                     + ", ".join(PATTERNS) + ", of een eigen reguliere expressie")
    imp.add_argument("--pseudonymise", action="store_true",
                     help="alle voorgestelde pseudoniemen toepassen")
    imp.add_argument("--cases", default="auto", choices=["auto", "eigen", "gedeeld"],
                     help="casus per spreker: auto (een rol als Respondent of INT per document, "
                          "een naam over documenten heen), eigen (alles per document), "
                          "gedeeld (dezelfde naam is overal dezelfde casus)")
    imp.add_argument("--user", help="account dat importeert (standaard: systeem)")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(run=cmd_qual_import)
    qdpx = qual_cmds.add_parser("import-qdpx", help="REFI-QDA-project (.qdpx) importeren")
    qdpx.add_argument("file")
    qdpx.add_argument("--project", help="toevoegen aan dit project (anders een nieuw project)")
    qdpx.add_argument("--user")
    qdpx.add_argument("--json", action="store_true")
    qdpx.set_defaults(run=cmd_qual_import_qdpx)
    for name, fmt, text in [("export-qdpx", "qdpx", "project als REFI-QDA (.qdpx) exporteren"),
                            ("export-qdc", "qdc", "codeboek als REFI-QDA (.qdc) exporteren")]:
        exp = qual_cmds.add_parser(name, help=text)
        exp.add_argument("--project", required=True)
        exp.add_argument("out")
        exp.add_argument("--user")
        exp.set_defaults(run=cmd_qual_export, format=fmt)
    cod = qual_cmds.add_parser("codings", help="alle coderingen van een project")
    cod.add_argument("--project", required=True)
    cod.add_argument("--user")
    cod.add_argument("--json", action="store_true")
    cod.set_defaults(run=cmd_qual_codings)
    save = qual_cmds.add_parser("codebook-save", help="codeboek als YAML opslaan (codebooks/)")
    save.add_argument("--project", required=True)
    save.add_argument("out")
    save.add_argument("--user")
    save.set_defaults(run=cmd_qual_codebook_save)
    load = qual_cmds.add_parser("codebook-load", help="codes uit YAML of .qdc toevoegen")
    load.add_argument("--project", required=True)
    load.add_argument("file")
    load.add_argument("--user")
    load.set_defaults(run=cmd_qual_codebook_load)
    agree = qual_cmds.add_parser("agreement", help="overeenstemming tussen codeurs")
    agree.add_argument("--project", required=True)
    agree.add_argument("--coders", required=True, help="gebruikersnamen, komma's ertussen")
    agree.add_argument("--unit", default="zin", choices=["zin", "beurt", "alinea", "teken"])
    agree.add_argument("--codes", help="codenamen (of paden als Ouder/Code), komma's ertussen "
                       "(standaard: alle)")
    agree.add_argument("--set", help="een codeset (codes sluiten elkaar uit)")
    agree.add_argument("--user")
    agree.add_argument("--json", action="store_true")
    agree.set_defaults(run=cmd_qual_agreement)
    sat = qual_cmds.add_parser("saturation", help="verzadiging (Guest, Namey & Chen 2020)")
    sat.add_argument("--project", required=True)
    sat.add_argument("--base", type=int, default=4)
    sat.add_argument("--run", dest="run_length", type=int, default=2)
    sat.add_argument("--threshold", type=float, default=0.05)
    sat.add_argument("--user")
    sat.add_argument("--json", action="store_true")
    sat.set_defaults(run=cmd_qual_saturation)
    co = qual_cmds.add_parser("cooccurrence", help="codes die samen voorkomen")
    co.add_argument("--project", required=True)
    co.add_argument("--mode", default="overlap", choices=["overlap", "beurt", "zinnen"])
    co.add_argument("--window", type=int, default=1)
    co.add_argument("--user")
    co.add_argument("--json", action="store_true")
    co.set_defaults(run=cmd_qual_cooccurrence)
    rep = qual_cmds.add_parser("report", help="rapport als Word, Excel of HTML")
    rep.add_argument("--project", required=True)
    rep.add_argument("--format", required=True, choices=["docx", "xlsx", "html"])
    rep.add_argument("--code", help="alleen deze code met haar subcodes")
    who = rep.add_mutually_exclusive_group()
    who.add_argument("--coders", help="alleen de coderingen van deze codeurs (komma's ertussen)")
    who.add_argument("--consensus", action="store_true",
                     help="alleen de vastgelegde besluiten van het team")
    rep.add_argument("out")
    rep.add_argument("--user")
    rep.set_defaults(run=cmd_qual_report)

    survey = commands.add_parser("survey", help="monitors: metingen laden, schatten, stapeling")
    survey_cmds = survey.add_subparsers(dest="survey_command", required=True, metavar="ACTIE")
    sload = survey_cmds.add_parser("load", help="meting laden uit .sav, .xlsx of .csv")
    sload.add_argument("file", metavar="FILE")
    sload.add_argument("--monitor", required=True, help="naam of nummer van de monitor")
    sload.add_argument("--wave", required=True, help="naam van de meting, bijvoorbeeld 2026")
    sload.add_argument("--year", type=int)
    sload.add_argument("--questionnaire", metavar="Q", help="vragenlijst (.xlsx of .csv)")
    sload.add_argument("--frame", help="steekproefkader (.csv of .xlsx) eerst opslaan")
    sload.add_argument("--choices", type=int, default=12, metavar="N",
                       help="een tekstkolom met hoogstens N verschillende korte antwoorden "
                       "wordt een keuzevraag (standaard 12; 0: tekst blijft open)")
    sload.add_argument("--create", choices=list(UNIT_KINDS),
                       help="monitor met deze eenheden maken als hij nog niet bestaat")
    sload.add_argument("--user")
    sload.add_argument("--json", action="store_true")
    sload.set_defaults(run=cmd_survey_load)
    sclose = survey_cmds.add_parser("close-fieldwork", help="online veldwerk sluiten: de "
                                    "verstuurde antwoorden worden de meting")
    sclose.add_argument("--monitor", required=True, help="naam of nummer van de monitor")
    sclose.add_argument("--wave", required=True, help="naam van de meting")
    sclose.add_argument("--sav", metavar="UIT", help="de ruwe antwoorden ook als .sav")
    sclose.add_argument("--xlsx", metavar="UIT", help="de ruwe antwoorden ook als .xlsx")
    sclose.add_argument("--user")
    sclose.add_argument("--json", action="store_true")
    sclose.set_defaults(run=cmd_survey_close_fieldwork)
    est = survey_cmds.add_parser("estimate", help="gewogen schatting met standaardfout")
    est.add_argument("--monitor", required=True)
    est.add_argument("--wave", required=True)
    est.add_argument("--var", required=True, help="naam van de variabele")
    est.add_argument("--by", help="regio, grootteklasse, provincie (of region, size_class, "
                     "province) of de naam van een keuzevraag")
    est.add_argument("--weight", metavar="COL", help="gewicht: een kolom van de meting "
                     "(overschrijft de monitor)")
    est.add_argument("--strata", metavar="COL", help="strata: een kolom van de meting, of "
                     "region, size_class, province")
    est.add_argument("--psu", metavar="COL", help="clusters (eerste trap): een kolom; twee "
                     "trappen als PSU+SSU, zoals R: dnum+snum")
    est.add_argument("--ssu", metavar="COL", help="secundaire eenheden binnen de clusters "
                     "(tweede trap)")
    est.add_argument("--fpc", metavar="COL", help="kolom met het aantal PSU's per stratum in "
                     "de populatie, of 'kader'; twee trappen als fpc1+fpc2")
    est.add_argument("--fpc2", metavar="COL", help="kolom met het aantal secundaire eenheden "
                     "per cluster in de populatie")
    est.add_argument("--user")
    est.add_argument("--json", action="store_true")
    est.set_defaults(run=cmd_survey_estimate)
    stap = survey_cmds.add_parser("stapeling", help="ongunstige scores per gebied tellen")
    stap.add_argument("--data", required=True, metavar="CSV")
    stap.add_argument("--meta", required=True, metavar="CSV")
    stap.add_argument("--reference", default="mean",
                      help="mean, sd, rest, of een CSV met indicator,referentie")
    stap.add_argument("--json", action="store_true")
    stap.set_defaults(run=cmd_survey_stapeling)

    back = commands.add_parser("backup", help="consistente kopie maken (ook terwijl de app draait)")
    back.add_argument("out", help="nieuw bestand voor de kopie")
    back.set_defaults(run=cmd_backup)
    rest = commands.add_parser("restore", help="back-up controleren en terugzetten (ook een "
                                               "versleutelde uit de app)")
    rest.add_argument("source", help="back-upbestand")
    rest.add_argument("--password-stdin", action="store_true",
                      help="wachtwoord van een versleutelde back-up van standaardinvoer")
    rest.set_defaults(run=cmd_restore)
    unseal = commands.add_parser("decrypt-backup", help="versleutelde back-up uit de app "
                                                        "ontsleutelen naar een databasebestand")
    unseal.add_argument("source", help="versleutelde back-up (.db.versleuteld)")
    unseal.add_argument("out", help="nieuw bestand voor de ontsleutelde kopie")
    unseal.add_argument("--password-stdin", action="store_true")
    unseal.set_defaults(run=cmd_decrypt_backup)
    serve = commands.add_parser("serve", help="de app starten (wat `make run` doet)")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--address", default="localhost")
    serve.add_argument("streamlit", nargs=argparse.REMAINDER,
                       help="na --: verdere opties voor Streamlit, zoals "
                            "-- --server.fileWatcherType none")
    serve.add_argument("--public-port", type=int, default=8502,
                       help="poort van de openbare pagina's voor bewoners (0: niet starten)")
    serve.set_defaults(run=cmd_serve)
    public = commands.add_parser("public", help="alleen de openbare pagina's voor bewoners "
                                 "starten (leest alleen wat gepubliceerd is)")
    public.add_argument("--port", type=int, default=8502)
    public.add_argument("--address", default="localhost")
    public.set_defaults(run=cmd_public, store=False)
    bench = commands.add_parser("bench", help="snelheid meten op verzonnen gegevens (S, M, L)")
    bench.add_argument("--scale", default="S,M", help="S, M, L of een lijst zoals S,M")
    bench.add_argument("--only", help="alleen deze bewerkingen, bijvoorbeeld qual.search,tracker")
    bench.add_argument("--out", help="map voor RESULTS.md, results.json en groei.html/.png")
    bench.add_argument("--json", action="store_true")
    bench.set_defaults(run=cmd_bench)
    return top


def main(argv: list[str] | None = None, *, exiting: bool = False) -> int:
    """Run one command; returns the exit status. `exiting`: the process ends after it
    (`python -m research`).

    A brief command (one question: `tracker add`, `tracker similar`) runs with the cyclic
    garbage collector paused: while spaCy, pandas and scipy load, it walked all their objects
    again and again, a sixth of the command's time, and the command itself leaves little
    garbage. In a process that ends after it, its objects are then frozen, so that the
    interpreter's shutdown does not walk them once more (another tenth)."""
    args = parser().parse_args(argv)
    from research.schema import open_store

    brief = getattr(args, "brief", False) and gc.isenabled()
    if brief:
        gc.disable()
    store = None
    try:
        if getattr(args, "store", True):
            store = open_store(db_path(args.db))
        args.run(store, args)
    except UserError as error:
        print(f"Fout: {error.message}", file=sys.stderr)
        return 1
    finally:
        if store is not None:
            store.close()
        if brief:
            if exiting:
                gc.freeze()
            gc.enable()
    return 0
