"""``survey-bot demo seed``: realistic answers over the last 120 days, so a new user can try every
summary, split and period at once.

Three channels, three languages, a few campaigns and surveys, comments written as customers
write them in each language, alerts for the detractors (some claimed, some resolved), and a
score that improves over the period; each person a customer with a plan, a country, a revenue
and a sign-up date, some gone since (bot/demo_customers.py).  Demo people have ids starting
with ``demo-``; the seed is reproducible (``--seed``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot import store
from bot.db import Database
from bot.demo_customers import add_customers
from bot.metrics import METRICS, Metric
from bot.models import AlertStatus, Answer, NoteKind, Respondent, RunStatus, SurveyRun
from bot.surveys import load_surveys
from scoring import Kind

DAYS = 120
PREFIX = "demo-"

CHANNELS = (("telegram", 0.5), ("slack", 0.35), ("console", 0.15))
LANGUAGES = {"telegram": (("ro", 0.45), ("zh", 0.3), ("en", 0.25)),
             "slack": (("en", 0.6), ("ro", 0.3), ("zh", 0.1)),
             "console": (("en", 0.5), ("ro", 0.3), ("zh", 0.2))}
CAMPAIGNS = ((None, 0.45), ("onboarding", 0.2), ("spring-promo", 0.2), ("support-followup", 0.15))
# Surveys of the built-in survey file (bot/surveys/default.toml), by how often they are sent.
SURVEYS = (("default", 0.6), ("csat", 0.25), ("ces", 0.15))
# A net score's unhappy customers mostly give 5 or 6 and its happy ones more often 10 than 9:
# low, middle and high scores on NPS's 0–10, repeated for weight.
NET_SCORES = ((0, 2, 3, 4, 5, 5, 6, 6, 6), (7, 8, 8), (9, 9, 10, 10, 10))
MANAGERS = ("Maria Ionescu", "Wang Fang", "Sam Taylor")

NAMES = {
    "en": ("Olivia Brown", "James Wilson", "Emma Clarke", "Noah Davies", "Ava Thompson",
           "Liam Evans", "Sophie Walker", "Jack Robinson"),
    "ro": ("Andreea Popescu", "Mihai Ionescu", "Ioana Dumitrescu", "Radu Stan", "Elena Marin",
           "Ștefan Tudor", "Cristina Niță", "Alexandru Șerban"),
    "zh": ("王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强"),
}

# What customers write after a score, by language and bucket (the worst buckets of CSAT and
# CES read like NPS detractors, and so on).
COMMENTS = {
    "en": {
        "low": ("Delivery took two weeks longer than promised.",
                "Nobody answered my emails about the refund.",
                "The app logged me out every time I paid.",
                "Support closed my ticket without fixing anything.",
                "The invoice was wrong twice in a row."),
        "mid": ("Good product, but the checkout is slow.",
                "Fine overall; the prices went up again.",
                "Support was friendly but needed three tries.",
                "Would be a 10 with faster delivery."),
        "high": ("The support team solved it in ten minutes!",
                 "Fast delivery and everything worked first time.",
                 "Love the new mobile app.",
                 "Clear prices and no surprises."),
    },
    "ro": {
        "low": ("Livrarea a întârziat două săptămâni.",
                "Nu mi-a răspuns nimeni la e-mailurile despre rambursare.",
                "Aplicația se blochează la plată.",
                "Factura a fost greșită de două ori la rând.",
                "Am așteptat o oră la telefon și nu m-a ajutat nimeni."),
        "mid": ("Produsul e bun, dar plata durează prea mult.",
                "În general bine, doar că prețurile au crescut.",
                "Livrare mai rapidă și ar fi perfect.",
                "Operatorul a fost amabil, dar a durat."),
        "high": ("Echipa de suport a rezolvat totul în zece minute!",
                 "Livrare rapidă, totul a mers din prima.",
                 "Aplicația nouă e foarte ușor de folosit.",
                 "Prețuri clare și fără surprize."),
    },
    "zh": {
        "low": ("快递比承诺的晚了两个星期。",
                "退款的邮件一直没人回复。",
                "付款的时候应用总是闪退。",
                "客服没解决问题就关闭了工单。",
                "发票连续两次开错了。"),
        "mid": ("产品不错，就是结账太慢。",
                "总体还行，但是又涨价了。",
                "如果送货再快一点就完美了。",
                "客服态度很好，但是沟通了三次才解决。"),
        "high": ("客服十分钟就解决了我的问题！",
                 "送货很快，一切都很顺利。",
                 "新版手机应用非常好用。",
                 "价格透明，没有任何隐藏费用。"),
    },
}
REPLIES = {
    "en": "We are sorry about this. A colleague will call you today.",
    "ro": "Ne pare rău pentru situație. Un coleg vă va suna astăzi.",
    "zh": "非常抱歉给您带来不便，我们的同事今天会给您打电话。",
}


class DemoRefused(RuntimeError):
    """The database holds answers that are not demo data."""


@dataclass(frozen=True)
class Seeded:
    answers: int
    respondents: int
    alerts: int
    customers: int = 0


def _pick(rng: random.Random, weighted: tuple[tuple[str | None, float], ...]) -> str | None:
    values = [v for v, _ in weighted]
    return rng.choices(values, weights=[w for _, w in weighted])[0]


def _pools(metric: Metric) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """The low, middle and high scores a demo customer gives: a net score's weighted ones on
    0–10, else the scores of the worst bucket, of the buckets between, of the good ones."""
    if metric.kind is Kind.NET and metric.scale == (0, 10):
        return NET_SCORES
    scores = metric.measure.scores
    middle = [b for b in metric.buckets if b != metric.worst and b not in metric.good]
    return (scores(metric.worst), tuple(s for b in middle for s in scores(b)),
            tuple(s for b in metric.buckets if b in metric.good for s in scores(b)))


def _score(rng: random.Random, metric: Metric, progress: float) -> int:
    """A score whose chance of being good grows with ``progress`` (0 at the start of the
    period, 1 today): NPS from about −10 to about +35."""
    good = 0.32 + 0.25 * progress
    bad = 0.42 - 0.22 * progress
    roll = rng.random()
    low, middle, high = _pools(metric)
    if metric.kind is Kind.NET:
        pool = low if roll < bad else high if roll < bad + good else middle
    else:
        pool = low if roll < bad * 0.6 else high if roll < bad * 0.6 + good + 0.15 else middle
    return pool[0] if len(pool) == 1 else rng.choice(pool)


def _tone(metric: Metric, bucket: str) -> str:
    if bucket == metric.worst:
        return "low"
    if bucket in metric.good:
        return "high"
    return "mid"


def has_real_answers(db: Database) -> bool:
    with Session(db.read_engine) as session:
        count = session.exec(
            select(func.count()).select_from(Answer).join(
                Respondent, col(Respondent.id) == col(Answer.respondent_id))
            .where(col(Respondent.platform_user_id).not_like(f"{PREFIX}%"))).one()
    return bool(count)


def seed(db: Database, *, answers: int = 1000, now: datetime, zone: ZoneInfo, seed: int = 7,
         force: bool = False, progress: Callable[[int], None] | None = None) -> Seeded:
    """Store about ``answers`` demo answers over the ``DAYS`` days before ``now``, counted in
    the rollup by local day in ``zone`` (REPORT_TIMEZONE)."""
    if not force and has_real_answers(db):
        raise DemoRefused("the database already holds real answers; use --force to add demo "
                          "answers to them anyway")
    rng = random.Random(seed)
    surveys = load_surveys()  # the built-in file, which names the surveys of SURVEYS
    made = respondents = alerts = 0
    with Session(db.engine, expire_on_commit=False, autoflush=False) as session:
        people: dict[tuple[str, str], Respondent] = {}
        places: dict[int, list[float]] = {}
        """Each person's answers' places on their scales (0: the worst, 1: the best)."""
        while made < answers:
            channel = str(_pick(rng, CHANNELS))  # type: ignore[arg-type]
            lang = str(_pick(rng, LANGUAGES[channel]))  # type: ignore[arg-type]
            name = rng.choice(NAMES[lang])
            key = (channel, f"{PREFIX}{channel}-{lang}-{rng.randrange(answers // 3 + 10)}")
            age = rng.random() ** 1.15 * DAYS  # a little more recent traffic than old
            moment = now - timedelta(days=age, minutes=rng.randrange(24 * 60))
            person = people.get(key) or store.find_respondent(session=session, channel=channel,
                                                              user_id=key[1])
            if person is None:
                person = Respondent(channel=channel, platform_user_id=key[1], chat_id=key[1],
                                    display_name=name, locale=lang, first_seen=moment,
                                    last_seen=moment)
                session.add(person)
                session.flush()
                respondents += 1
            people[key] = person
            survey = str(_pick(rng, SURVEYS))  # type: ignore[arg-type]
            campaign = _pick(rng, CAMPAIGNS)
            run = SurveyRun(respondent_id=person.id, survey=survey,  # type: ignore[arg-type]
                            campaign=campaign, status=RunStatus.COMPLETED, started_at=moment,
                            updated_at=moment, completed_at=moment)
            session.add(run)
            session.flush()
            for i, question in enumerate(surveys.surveys[survey].questions):
                metric = METRICS[question.metric]
                score = _score(rng, metric, 1 - age / DAYS)
                bucket = metric.bucket(score)
                tone = _tone(metric, bucket)
                comment = (rng.choice(COMMENTS[lang][tone])
                           if rng.random() < (0.75 if tone == "low" else 0.35) else None)
                at = moment + timedelta(minutes=i)
                low, high = metric.scale
                answer = store.add_answer(session=session, answer=Answer(
                    respondent_id=person.id, survey_run_id=run.id,  # type: ignore[arg-type]
                    survey=survey, campaign=campaign, question_key=question.key,
                    metric=metric.key, score=score, scale_min=low, scale_max=high,
                    bucket=bucket, comment=comment, locale=lang, channel=channel, created_at=at,
                    commented_at=at if comment else None), zone=zone)
                made += 1
                assert person.id is not None
                places.setdefault(person.id, []).append((score - low) / (high - low))
                if bucket in question.alert_on:
                    alerts += 1
                    _alert(session, rng, answer, lang, at, now)
            if progress is not None:
                progress(made)
        fresh = [p for p in people.values() if p.customer_id is None]
        customers = add_customers(session, rng, fresh, {
            pid: sum(v) / len(v) for pid, v in places.items()}, now=now, days=DAYS)
        session.commit()
    return Seeded(made, respondents, alerts, customers)


def _alert(session: Session, rng: random.Random, answer: Answer, lang: str, at: datetime,
           now: datetime) -> None:
    """A detractor's alert: older ones mostly resolved, recent ones often still open."""
    alert = store.create_alert(session=session, answer=answer)
    assert alert.id is not None
    alert.created_at = at
    alert.escalated_at = at  # the history was seen: `run` posts none of it again
    age_days = (now - at).days
    roll = rng.random()
    if roll < (0.85 if age_days > 7 else 0.35):
        manager = rng.choice(MANAGERS)
        claimed = at + timedelta(minutes=rng.randint(3, 240))
        alert.status, alert.assignee, alert.claimed_at = AlertStatus.CLAIMED, manager, claimed
        store.add_note(session=session, alert_id=alert.id, author=manager, kind=NoteKind.CLAIM)
        store.add_note(session=session, alert_id=alert.id, author=manager, kind=NoteKind.REPLY,
                       text=REPLIES[lang])
        if roll < (0.75 if age_days > 7 else 0.2):
            alert.status, alert.resolved_by = AlertStatus.RESOLVED, manager
            alert.resolved_at = claimed + timedelta(hours=rng.randint(1, 48))
            store.add_note(session=session, alert_id=alert.id, author=manager,
                           kind=NoteKind.RESOLVE)
    session.add(alert)
