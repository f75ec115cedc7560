"""Demo data for programs: a realistic program and cohort for each demo organization."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from accounts.demo import DEMO_ORGS, ensure_membership, ensure_user
from accounts.models import Membership, Organization, Role
from core.tenancy import organization_scope
from programs import services
from programs.models import (
    Cohort,
    CohortStatus,
    ParticipantRole,
    Program,
    SeniorityLevel,
    Topic,
)
from programs.services import participants as participant_services

FIRST = ["Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Gia", "Hugo", "Isla", "Jack", "Kai",
         "Lena", "Milo", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Theo", "Uma", "Vik", "Wren",
         "Yara", "Zane", "Aria", "Cole", "Dina", "Eli", "Faye", "Gus"]
LAST = ["Adams", "Berg", "Costa", "Duarte", "Evans", "Fischer", "Garcia", "Huang", "Ito",
        "Jensen", "Khan", "Lopez", "Meyer", "Novak", "Okoro", "Park", "Quist", "Rossi",
        "Schmidt", "Tanaka"]
DEPARTMENTS = ["Marketing", "Finance", "Operations", "Technology", "Sales", "People",
               "Customer Service", "Legal"]
ZONES = ["Europe/London", "Europe/London", "Europe/Berlin", "America/New_York"]
JUNIOR_TITLES = ["Graduate Analyst", "Marketing Associate", "Junior Developer",
                 "Customer Insight Analyst", "Social Media Coordinator", "Data Analyst"]
SENIOR_TITLES = ["Director of Finance", "VP Operations", "Chief Marketing Officer",
                 "Head of Sales", "Regional Director", "Chief People Officer"]
DIGITAL = ["AI tools", "Generative AI prompting", "Social media", "TikTok & short video",
           "Data literacy", "Remote collaboration tools", "Cybersecurity habits",
           "Gen Z values", "Consumer trends"]
LEADERSHIP = ["Strategy", "Decision making", "Stakeholder management", "Career navigation",
              "Financial acumen", "Negotiation"]


def _availability(rng: random.Random) -> list[dict]:
    days = rng.sample(range(5), 2)
    hour = rng.choice([8, 9, 12, 14, 16])
    return [{"weekday": d, "start": f"{hour:02d}:00", "end": f"{hour + 2:02d}:00"}
            for d in sorted(days)]


def _person(rng: random.Random, index: int, domain: str) -> tuple[str, str]:
    name = f"{FIRST[index % len(FIRST)]} {LAST[(index * 7) % len(LAST)]}"
    local = name.lower().replace(" ", ".")
    return f"{local}{index}@{domain}", name


def _enroll(organization, cohort, membership, role, rng, levels, topics, manager):
    profile = participant_services.profile_get_or_create(membership=membership)
    if not profile.job_title:
        junior = role == ParticipantRole.MENTOR
        profile.job_title = rng.choice(JUNIOR_TITLES if junior else SENIOR_TITLES)
        profile.department = rng.choice(DEPARTMENTS)
        profile.level = levels[rng.randint(1, 3) if junior else rng.randint(6, 9)]
        profile.manager = manager
        profile.time_zone = rng.choice(ZONES)
        profile.location = {"Europe/London": "London", "Europe/Berlin": "Berlin",
                            "America/New_York": "New York"}[profile.time_zone]
        profile.languages = ["en"] + (["de"] if profile.time_zone == "Europe/Berlin" else [])
        profile.save()
    participant, created = participant_services.participant_enroll(
        cohort=cohort, membership=membership, role=role,
        capacity=rng.choice([1, 1, 2]) if role == ParticipantRole.MENTOR else None)
    if created:
        teach_pool, learn_pool = (DIGITAL, LEADERSHIP) if role == ParticipantRole.MENTOR \
            else (LEADERSHIP, DIGITAL)
        participant.learning_goals = (
            "Understand how strategy gets made and grow my network."
            if role == ParticipantRole.MENTOR
            else "Use AI tools confidently and understand what younger customers expect.")
        participant.availability = _availability(rng)
        participant.save(update_fields=["learning_goals", "availability"])
        participant_services.participant_set_topics(
            participant=participant,
            teach={topics[n]: rng.randint(1, 3) for n in rng.sample(teach_pool, 3)},
            learn={topics[n]: rng.randint(1, 3) for n in rng.sample(learn_pool, 3)},
        )
    return participant


def _seed_organization(organization: Organization, domain: str, size: int) -> None:
    services.organization_defaults_ensure(organization=organization)
    program = Program.objects.filter(slug="digital-ai-skills-for-leaders").first()
    if program is None:
        program = services.program_create(
            organization=organization, actor=None, name="Digital & AI skills for leaders",
            template_key="digital-ai")
    cohort = Cohort.objects.filter(program=program).first()
    if cohort is None:
        today = timezone.localdate()
        cohort = services.cohort_create(
            program=program, name="Spring pilot", start_date=today + dt.timedelta(days=14),
            end_date=today + dt.timedelta(days=14 + 26 * 7), default_mentor_capacity=1,
            enrollment_opens=today - dt.timedelta(days=14), enrollment_closes=today)
        cohort.status = CohortStatus.MATCHING
        cohort.save(update_fields=["status"])
    rng = random.Random(f"flipside-demo-{organization.slug}")  # noqa: S311  demo data
    levels = {level.rank: level for level in SeniorityLevel.objects.all()}
    topics = {topic.name: topic for topic in Topic.objects.all()}
    executive = Membership.objects.filter(role=Role.EXECUTIVE).first()
    mentees = []
    for index in range(size):
        email, name = _person(rng, index, domain)
        membership = ensure_membership(organization, ensure_user(email, name), Role.MEMBER)
        role = ParticipantRole.MENTEE if index % 2 == 0 else ParticipantRole.MENTOR
        manager = (executive if role == ParticipantRole.MENTEE
                   else mentees[-1] if mentees else executive)
        _enroll(organization, cohort, membership, role, rng, levels, topics, manager)
        if role == ParticipantRole.MENTEE:
            mentees.append(membership)
    member_email = next(f"{local}@{domain}" for spec in DEMO_ORGS if spec.domain == domain
                        for _, local in spec.members[:1])
    demo_member = Membership.objects.get(user__email=member_email)
    _enroll(organization, cohort, demo_member, ParticipantRole.MENTOR, rng, levels, topics,
            executive)


def seed(stdout) -> list[tuple[str, str]]:
    for spec, size in zip(DEMO_ORGS, (48, 16), strict=True):
        organization = Organization.objects.get(slug=spec.slug)
        with organization_scope(organization):
            _seed_organization(organization, spec.domain, size)
    return []
