"""Building blocks for the co-planning tests: a community with members and a shared plan."""

from __future__ import annotations

from dataclasses import dataclass

from tests.factories import add_member, make_community, make_school, make_user
from workspace.communities.models import Community
from workspace.extensions import db
from workspace.plans import services
from workspace.plans.models import PlanDoc


@dataclass
class Team:
    community: Community
    convener: object  # 陳召集
    lead: object  # 林老師, the lead planner (主備人)
    teacher: object  # 王老師, who will teach it
    member: object  # 張老師, a member not teaching it

    def plan(self, topic: str = "分數的加減", **fields) -> PlanDoc:
        values = dict(topic=topic, subject="數學", grade="五年級", unit="第三單元 分數",
                      lead_id=self.lead.id, teacher_ids=[self.lead.id, self.teacher.id])
        values.update(fields)
        doc = services.create_plan(self.community, services.PlanFields(**values), actor=self.lead)
        db.session.commit()
        return doc


def make_team(slug: str = "team") -> Team:
    school = make_school(name=f"光華國小 {slug}")
    convener = make_user(display_name="陳召集")
    community = make_community(convener, slug=slug, schools=[school])
    lead = add_member(community, make_user(display_name="林老師")).user
    teacher = add_member(community, make_user(display_name="王老師")).user
    member = add_member(community, make_user(display_name="張老師")).user
    db.session.commit()
    return Team(community, convener, lead, teacher, member)
