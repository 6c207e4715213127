"""Survey files are validated on load with errors that name the bad field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.survey_texts import BUILTIN_TEXTS
from bot.surveys import DEFAULT_FILE, SurveyConfigError, load_surveys


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "surveys.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_builtin_surveys() -> None:
    catalog = load_surveys()
    assert [q.metric for q in catalog.default.questions] == ["nps", "csat"]
    nps = catalog.default.questions[0]
    assert set(nps.follow_up) == {"detractor", "passive", "promoter"}
    assert nps.alert_on == ("detractor",)
    assert catalog.get("ces") is not None


def test_builtin_texts_are_marked_for_translation() -> None:
    catalog = load_surveys(DEFAULT_FILE)
    in_file = {q.text.msgid for s in catalog.surveys.values() for q in s.questions}
    in_file |= {f.msgid for s in catalog.surveys.values() for q in s.questions
                for f in q.follow_up.values()}
    assert in_file == set(BUILTIN_TEXTS)


def test_own_wording_per_language(tmp_path: Path) -> None:
    path = write(tmp_path, """
[surveys.default]
questions = [{ key = "q", metric = "ces", text = { en = "Easy?", ro = "Ușor?", zh = "容易吗？" } }]
""")
    q = load_surveys(path).default.questions[0]
    assert q.text.render(translator("ro")) == "Ușor?"
    assert q.text.render(translator("zh")) == "容易吗？"
    assert q.scale == (1, 7) and q.alert_on == ()


@pytest.mark.parametrize("body,field", [
    ('[surveys.default]\nquestions = [{ key = "q", metric = "stars", text = "x" }]',
     "questions[0].metric"),
    ('[surveys.default]\nquestions = [{ key = "q", metric = "nps", text = "x", '
     'follow_up = { happy = "y" } }]', "follow_up.happy"),
    ('[surveys.default]\nquestions = [{ key = "q", metric = "nps" }]', "questions[0].text"),
    ('[surveys.default]\nquestions = [{ key = "q", metric = "nps", text = "x", colour = 1 }]',
     "questions[0].colour"),
    ('[surveys.default]\nquestions = [{ key = "q", metric = "nps", text = "a" }, '
     '{ key = "q", metric = "csat", text = "b" }]', "key 'q' is used twice"),
    ('[surveys.other]\nquestions = [{ key = "q", metric = "nps", text = "x" }]', "'default'"),
    ('[surveys.default]\nquestions = [{ key = "q", metric = "nps", text = { ro = "x" } }]',
     "text.en"),
    ("[surveys.default\n", "not valid TOML"),
])
def test_bad_files_name_the_field(tmp_path: Path, body: str, field: str) -> None:
    with pytest.raises(SurveyConfigError, match=re.escape(field)):
        load_surveys(write(tmp_path, body))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SurveyConfigError, match="SURVEY_FILE"):
        load_surveys(tmp_path / "nope.toml")
