"""The distinct kind: at least 2 subjects, every member school covered, exchanged teachers, nothing to cover."""

from __future__ import annotations

import datetime as dt

from tests.compliance.engine.builders import FIRST, LAST, activity, facts, member, one, program, school
from workspace.compliance.engine import Status
from workspace.compliance.facts import ExchangedTeacherFact

AFTER = LAST + dt.timedelta(days=1)
SCHOOLS = [school(id=1, role="core", name="城區小學"), school(id=2, role="member", name="甲鄉小學"),
           school(id=3, role="member", name="乙鄉小學")]


def test_at_least_two_subjects_among_synchronous_classes():
    rule = {"kind": "distinct", "of": "subjects", "target": 2, "tags": ["同步課堂"]}
    acts = [activity(FIRST, tags=("同步課堂",), subjects=("數學",)),
            activity(LAST, tags=("同步課堂",), subjects=("數學",)),
            activity(LAST, subjects=("國語",))]  # not a synchronous class
    found = one(program(rule), facts(acts), AFTER)
    assert (found.status, found.figure, found.target, found.unit) == (Status.NOT_MET, 1, 2, "subjects")
    acts.append(activity(LAST, tags=("同步課堂",), subjects=("英語",)))
    assert one(program(rule), facts(acts), AFTER).status is Status.MET


def test_every_member_school_covered_names_the_school_left_out():
    rule = {"kind": "distinct", "of": "schools", "cover": "member_schools", "methods": ["collaborative_planning"]}
    acts = [activity(FIRST, method="collaborative_planning", school_ids=(1, 2))]
    found = one(program(rule), facts(acts, schools=SCHOOLS), AFTER)
    assert (found.status, found.figure, found.target) == (Status.NOT_MET, 1, 2)  # the core school is not asked for
    assert found.gaps[0].code == "not_covered" and found.gaps[0].params["missing"] == ("乙鄉小學",)


def test_exchanged_teachers_cover_every_member_school():
    rule = {"kind": "distinct", "source": "exchanged_teachers", "of": "schools", "cover": "member_schools"}
    teachers = (ExchangedTeacherFact("王老師", 2, "數學"),)
    assert one(program(rule), facts(schools=SCHOOLS, exchanged_teachers=teachers), dt.date(2011, 5, 1)).status \
        is Status.AT_RISK
    teachers += (ExchangedTeacherFact("李老師", 3, "國語"),)
    assert one(program(rule), facts(schools=SCHOOLS, exchanged_teachers=teachers), dt.date(2011, 5, 1)).status \
        is Status.MET


def test_all_subjects_of_the_members_covered():
    rule = {"kind": "distinct", "of": "subjects", "cover": "community_subjects", "tags": ["送教下鄉"]}
    people = [member(subjects=("數學",)), member(subjects=("國語", "數學"))]
    acts = [activity(FIRST, tags=("送教下鄉",), subjects=("數學",))]
    found = one(program(rule), facts(acts, members=people), AFTER)
    assert found.status is Status.NOT_MET and found.gaps[0].params["missing"] == ("國語",)


def test_nothing_to_cover_is_not_applicable():
    rule = {"kind": "distinct", "of": "schools", "cover": "member_schools"}
    assert one(program(rule), facts([]), AFTER).status is Status.NOT_APPLICABLE


def test_subjects_typed_in_either_script_are_one_subject_named_as_the_members_typed_them():
    rule = {"kind": "distinct", "of": "subjects", "cover": "community_subjects", "tags": ["送教下鄉"]}
    people = [member(subjects=("数学",)), member(subjects=("语文", "數學"))]
    acts = [activity(FIRST, tags=("送教下乡",), subjects=("數學",)),
            activity(FIRST, tags=("送教下鄉",), subjects=("数学",))]
    found = one(program(rule), facts(acts, members=people), AFTER)
    # 数学 and 數學 are one subject, covered; 语文 is missing and named in the script the member typed it in.
    assert (found.status, found.figure, found.target) == (Status.NOT_MET, 1, 2)
    assert found.gaps[0].params["missing"] == ("语文",)
    acts.append(activity(LAST, tags=("送教下乡",), subjects=("語文",)))
    assert one(program(rule), facts(acts, members=people), AFTER).status is Status.MET


def test_a_target_of_subjects_counts_a_subject_once_whichever_script():
    rule = {"kind": "distinct", "of": "subjects", "target": 2, "tags": ["同步課堂"]}
    acts = [activity(FIRST, tags=("同步课堂",), subjects=("数学",)),
            activity(LAST, tags=("同步課堂",), subjects=("數學",))]
    assert one(program(rule), facts(acts), AFTER).figure == 1
