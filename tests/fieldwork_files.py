"""The files an analyst gives the Veldwerk page in the fieldwork tests: a questionnaire with
every question type, 'weet niet' and routing, a frame of five gemeenten, and contacts as
Dutch Excel saves a CSV (';', BOM)."""

from __future__ import annotations

QUESTIONNAIRE = (
    "naam;label;vraag;type;waarden;ontbrekend;thema;set;voorwaarde\n"
    "beleid;Beleid;Heeft uw gemeente beleid voor statushouders?;enkelvoudig;"
    "1=Ja|2=Nee|9=Weet niet;9;Beleid;;\n"
    "budget;Budget;Hoeveel fte zet uw gemeente in?;getal;99=Weet niet;99;Beleid;;beleid = 1\n"
    "tevreden;Tevredenheid;Hoe tevreden bent u over de samenwerking?;likert;"
    "1=Zeer ontevreden|2=Ontevreden|3=Neutraal|4=Tevreden|5=Zeer tevreden;;Oordeel;;\n"
    "cijfer;Rapportcijfer;Welk rapportcijfer geeft u de begeleiding?;rapportcijfer;;;Oordeel;;\n"
    "hulp_1;Taalles;Welke hulp biedt uw gemeente?;meervoudig;;;Aanbod;hulp;\n"
    "hulp_2;Werk;Welke hulp biedt uw gemeente?;meervoudig;;;Aanbod;hulp;\n"
    "toelichting;Toelichting;Wilt u nog iets toelichten?;open;;;Aanbod;;\n"
).encode("utf-8")

FRAME = (
    "code;naam;regio;grootteklasse;populatie\n"
    "GM0001;Aadorp;Noord;klein;20000\n"
    "GM0002;Beekveld;Noord;groot;90000\n"
    "GM0003;Cromhout;Zuid;klein;15000\n"
    "GM0004;Dalwijk;Zuid;groot;120000\n"
    "GM0005;Eemhoven;Zuid;klein;30000\n"
).encode("utf-8")

CONTACTS = ("\ufeffcode;naam;e-mail\r\n"
            "GM0001;Anne de Vries;anne@aadorp.example\r\n"
            "GM0002;=HYPERLINK(\"x\");bert@beekveld.example\r\n").encode("utf-8")
