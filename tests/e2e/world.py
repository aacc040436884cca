"""A whole community's life, built through the services in the live app, for the page sweeps.

Everything a page can show is there at least once, with the long names, long addresses and long titles
that real schools have: a community with members of every role, an invitation, resources (a text, an
image, one in the trash), a board thread with replies, an edit, a report and an attachment, a shared plan
with comments, an adaptation and a lesson, a template, activities past, running and to come with
attendance, minutes, feedback, evidence, leave and a speaker, a monthly plan, notifications, a reviewer,
and the tokens of the links people receive (invitation, password reset, sign-up confirmation, unsubscribe,
calendar feed).
`World.values` fills the path parameters of every route.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.conftest import PASSWORD, Data
from tests.media import png_bytes

# Long, unbroken names and addresses: what makes a table spill past its card on a phone.
CONVENER_NAME = "歐陽怡君"
MEMBER_NAMES = (
    ("林志明", "co_convener"),
    ("Christina Featherstonehaugh-Montgomery", "member"),
    ("王美玲", "mentor"),
    ("張家豪", "member"),
    ("司馬李淑芬", "guest_expert"),
)
COMMUNITY_NAME = "新進教師師徒共學暨跨校公開授課觀課議課專業學習社群（Interdisciplinary Co-planning Studio）"
LONG_URL = "https://www.example.edu.tw/plc/resources/2026/a-very-long-path-that-does-not-wrap/lesson-plan.pdf"
# One unbreakable word (no hyphen, no space: a pasted link, a run of letters) wider than a phone.
LONG_WORD = "Interdisciplinaryprojectbasedlearningcoplanningmaterials"


PHOTO = png_bytes(320, 200, (46, 125, 50))  # a photo-sized picture for the library and the evidence


@dataclass
class World:
    """The ids and tokens of the world, and the people who visit it."""

    convener: dict[str, Any]
    admin: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)  # path parameter → value
    by_endpoint: dict[str, dict[str, Any]] = field(default_factory=dict)  # endpoint → its own parameters
    queries: dict[str, str] = field(default_factory=dict)  # endpoint → query string


def _long_email(name: str) -> str:
    # Dots and @ are no place to break a line: a real school address is one long unbreakable word.
    return f"{name}.{uuid.uuid4().hex[:6]}@mail.xinyiexperimentalelementaryschool.example.edu.tw"


def build_world(data: Data) -> World:
    """Make the world in the live app's database (committed); return what the sweep needs."""
    admin = data.user(name="系統管理員 Site Administrator", email=_long_email("siteadministrator"))
    convener = data.user(name=CONVENER_NAME, email=_long_email("ouyang.yijun.convener"))
    people = [(data.user(name=name, email=_long_email(f"teacher{index}.featherstonehaugh")), role)
              for index, (name, role) in enumerate(MEMBER_NAMES)]
    reviewer = data.user(name="審查人員 County Reviewer", email=_long_email("county.reviewer"))
    stranger = data.user(name="A Reader Who Forgot", email=_long_email("forgetful.reader"))
    return data._run(lambda: _populate(admin, convener, people, reviewer, stranger))


def _populate(admin_: dict, convener_: dict, people_: list, reviewer_: dict, stranger_: dict) -> World:
    from workspace.activities import feeds
    from workspace.activities import services as activities
    from workspace.auth import services as auth
    from workspace.auth.models import User
    from workspace.communities import services as communities
    from workspace.communities.models import Membership
    from workspace.core.database import utcnow
    from workspace.core.storage import store_upload
    from workspace.discussions import services as discussions
    from workspace.extensions import db
    from workspace.notifications import services as notifications
    from workspace.plans import services as plans
    from workspace.resources import services as resources

    def user(info: dict) -> User:
        return db.session.get(User, info["id"])

    admin = user(admin_)
    admin.is_admin = True
    convener = user(convener_)
    school = communities.save_school(None, actor=admin, class_count=48, in_evaluation_programme=True,
                                     name=f"臺北市信義區實驗國民小學附設幼兒園 {uuid.uuid4().hex[:4]}")
    other_school = communities.save_school(None, actor=admin, name=f"青溪县城关第一小学 {uuid.uuid4().hex[:4]}",
                                           class_count=36, in_evaluation_programme=False)
    for person in (convener, *(user(info) for info, _role in people_)):
        person.school_id = school.id
    communities.grant_reviewer_scope(user(reviewer_), school, actor=admin)

    slug = f"phone-{uuid.uuid4().hex[:8]}"
    community = communities.create_community(
        actor=convener, name=COMMUNITY_NAME, kind="subject", slug=slug, school_ids=[school.id, other_school.id],
        description=f"每月第二週週三下午**共同備課**與**公開授課**。\n\n- 資料夾：{LONG_URL}\n- {LONG_WORD}",
        vision="讓每一位孩子都能**讀懂、想通、說清楚**。\n\n| 目標 | 次數 | 負責人 |\n|---|---|---|\n"
               "| 公開授課 | 2 | 林志明 |\n| 觀課議課 | 4 | 王美玲 |")
    members: dict[str, User] = {}
    for info, role in people_:
        person = user(info)
        membership = communities.add_member(community, person, "member")
        if role != "member":
            communities.change_role(membership, role, actor=convener)
        members[info["name"]] = person
    flagged = db.session.scalar(db.select(Membership).where(Membership.community_id == community.id,
                                                            Membership.user_id == user(people_[1][0]).id))
    communities.set_evaluation_flag(flagged, True, actor=convener)
    invitation = communities.create_invitation(community, actor=convener, role="member", single_use=False, days=30)
    communities.create_invitation(community, actor=convener, role="mentor", email=_long_email("invited.newteacher"))
    teacher = members["林志明"]
    english = members["Christina Featherstonehaugh-Montgomery"]
    # The teaching profile shows under each name on the members page.
    teacher.title, teacher.subjects = "intermediate", ["國語文", "數學", "自然科學"]
    english.title, english.subjects = "professor", [LONG_WORD]

    # An urban–rural community: the county-town school as its core, the other a member; exchanged teachers.
    urc_slug = f"phone-urc-{uuid.uuid4().hex[:8]}"
    urc = communities.create_community(actor=convener, name=f"城鄉教育共同體 {urc_slug}", kind="urban_rural",
                                       slug=urc_slug, school_ids=[other_school.id, school.id])
    communities.update_community(
        urc, actor=convener, name=urc.name, kind="urban_rural", slug=urc_slug, description="", vision="",
        school_ids=[other_school.id, school.id], school_roles={other_school.id: "core"},
        agreement_starts_on=dt.date(2026, 8, 1), agreement_ends_on=dt.date(2028, 7, 31))
    exchanged = communities.add_exchanged_teacher(urc, communities.ExchangedTeacherFields(
        name="Christina Featherstonehaugh-Montgomery", school_id=other_school.id, subject=LONG_WORD[:60],
        note=f"每週三到成員學校 {LONG_WORD}"), actor=convener)

    # The library: a long text, an image, one in the trash, comments.
    fields = resources.ResourceFields(
        title=f"〈讀懂說明文〉閱讀理解學習單與評量規準 {LONG_WORD}", kind="lesson_plan", subject="國語文",
        grade="五年級", tags="閱讀理解, 說明文, 五年級, 素養導向評量, 跨領域", visibility="school",
        description=f"學習單與評量規準，見 {LONG_URL}")
    text = resources.create_text_resource(
        community, fields, f"# 讀懂說明文\n\n1. 預測\n2. 圈關鍵詞\n\n```\n{LONG_WORD * 2}\n```\n\n{LONG_URL}",
        actor=convener)
    resources.add_comment(text, f"很實用！{LONG_URL}", actor=teacher)
    image = resources.create_file_resource(
        community, resources.ResourceFields(title="黑板板書照片：分數的加減", kind="courseware"),
        store_upload(io.BytesIO(PHOTO), "黑板板書照片-分數的加減-第三節課.png"), actor=english)
    trashed = resources.create_text_resource(
        community, resources.ResourceFields(title="舊版試卷（已刪除）", kind="test_paper"), "舊版", actor=convener)
    resources.trash_resource(trashed, actor=convener)

    # The board: a question with replies (a mention, an answer), an edit, a report, an attachment.
    sections = discussions.categories_of(community)
    questions = next(section for section in sections if section.key == "questions")
    thread = discussions.create_thread(
        community, category=questions, title=f"通分時學生一直把分母相加，怎麼辦？{LONG_WORD}",
        body=f"五年三班有將近一半的孩子寫 1/2 + 1/3 = 2/5。\n\n{LONG_URL}\n\n"
             "| 班級 | 錯誤率 |\n|---|---|\n| 五年三班 | 48% |",
        actor=english, about=text)
    first = discussions.reply(thread, f"@{CONVENER_NAME} 我會先讓他們用**紙條摺一摺**。{LONG_URL}", actor=teacher)
    second = discussions.reply(thread, "同意，我另外會用數線。", actor=members["王美玲"])
    discussions.edit_post(second, "同意，我另外會用**數線**，讓學生標上去。", actor=members["王美玲"],
                          base_version=second.version)
    discussions.mark_answer(thread, first, actor=english)
    discussions.report_post(second, f"離題了，請召集人看看。{LONG_WORD}", actor=members["張家豪"])
    attachment = discussions.add_attachment(
        community, store_upload(io.BytesIO(png_bytes(320, 200, (200, 90, 40))), "學生作品-分數紙條.png"), actor=teacher)

    # Co-planning: a plan with sections and a comment, the convener's adaptation and lesson, a template.
    doc = plans.create_plan(community, plans.PlanFields(
        topic=f"分數的加減（異分母）{LONG_WORD}", subject="數學", grade="五年級", unit="第四單元 分數的加減",
        lead_id=teacher.id, planned_on=dt.date.today() - dt.timedelta(days=7),
        teacher_ids=[teacher.id, convener.id]), actor=teacher)
    for section in doc.sections:
        plans.save_section(section, f"- 能用圖示說明通分\n- {LONG_URL}\n\n| 材料 | 用途 |\n|---|---|\n"
                                    "| 紙條 | 折出 1/2 |", actor=teacher, base_version=section.version)
    section = doc.sections[0]
    plans.add_comment(section, f"第二步的時間可能不夠，建議 20 分鐘。@{CONVENER_NAME}", actor=members["王美玲"])
    plans.save_section(section, section.body + "\n- 願意說明自己的做法", actor=convener, base_version=section.version)
    adaptation = plans.adapt(doc, actor=convener)
    lesson = plans.record_lesson(adaptation, taught_on=dt.date.today() - dt.timedelta(days=3), class_name="五年三班",
                                 reflection=f"紙條操作很有效。{LONG_URL}", actor=convener)
    template = plans.create_template(community, f"本校教案格式（含學習單）{LONG_WORD}", actor=convener)
    # A final plan in the library: its page offers "Adapt in my community", whose form is a page of the sweep.
    finished = plans.create_plan(community, plans.PlanFields(
        topic=f"分數的大小比較{LONG_WORD}", subject="數學", grade="五年級", lead_id=convener.id), actor=convener)
    plans.save_section(finished.sections[0], f"- 能比較異分母分數的大小\n- {LONG_URL}", actor=convener,
                       base_version=finished.sections[0].version)
    plans.set_status(finished, "final", actor=convener)
    published_plan = plans.publish(finished, actor=convener)

    # Activities: one past (attendance, minutes, feedback, evidence, a speaker), one now, one to come.
    now = activities.to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    speaker = activities.SpeakerFields(name="張教授 Professor Featherstonehaugh", external=True, hours=3,
                                       affiliation="國立臺北教育大學數學暨資訊教育學系",
                                       topic=f"素養導向評量 {LONG_WORD}")
    past = activities.create_activity(community, activities.ActivityFields(
        title=f"共同備課：分數的加減 {LONG_WORD}", method="collaborative_planning",
        starts_at=now - dt.timedelta(days=7),
        ends_at=now - dt.timedelta(days=7) + dt.timedelta(hours=3), place="自然教室（三樓，靠近樓梯）",
        agenda=f"- 檢視教案初稿\n- {LONG_URL}", subjects="數學, 國語文", tags="公開授課, 共同備課",
        school_ids=[school.id], recorder_id=teacher.id, speakers=[speaker]), actor=convener)
    roster = activities.community_members(community)
    statuses = ("present", "late", "left_early", "excused", "absent")
    activities.set_attendance(past, {person.id: statuses[index % len(statuses)] for index, person in enumerate(roster)},
                              actor=convener, now=past.starts_at)
    activities.save_minutes(past, f"## 決議\n- 林志明修改第二節\n- {LONG_URL}", f"完成教案 {LONG_WORD}",
                            actor=convener, base_version=past.minutes_version)
    for person, score in ((teacher, 5), (english, 4)):
        activities.give_feedback(past, score, f"紙條的點子很好用 {LONG_WORD}", actor=person)
    evidence = activities.add_evidence(past, store_upload(io.BytesIO(PHOTO), "共同備課-合照-第一次.png"),
                                       actor=convener, caption=f"共同備課合照 {LONG_WORD}")
    activities.link_resource(past, text, actor=convener)
    running = activities.create_activity(community, activities.ActivityFields(
        title="觀課與議課：五年三班", method="observation_feedback", starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(hours=1), mode="hybrid", place="五年三班教室",
        meeting_url="https://meet.example.org/abc-defg-hij-very-long-meeting-room-name"), actor=convener)
    coming = activities.create_activity(community, activities.ActivityFields(
        title="校外專題講座：素養導向評量", method="external_lecture", starts_at=now + dt.timedelta(days=9),
        ends_at=now + dt.timedelta(days=9, hours=2), place="視聽教室"), actor=convener)
    activities.request_leave(coming, f"校外研習 {LONG_WORD}", actor=members["張家豪"])
    month = activities.next_month(now.date())
    activities.create_activity(community, activities.ActivityFields(
        title="下個月的共同備課", method="collaborative_planning", starts_at=dt.datetime.combine(
            month.replace(day=10), dt.time(14, 0)), ends_at=dt.datetime.combine(month.replace(day=10), dt.time(16, 0)),
        place="自然教室"), actor=convener)
    activities.submit_monthly_plan(community, month, f"本月重點 {LONG_WORD}", actor=convener)
    # This month's plan, handed in now: after its deadline (the 20th of the month before), so the page shows the
    # long "handed in …, after the deadline of …" mark that must wrap on a phone.
    activities.submit_monthly_plan(community, now.date().replace(day=1), "補交", actor=convener)

    # Compliance: enrolled in a copy of PLC-100 over a period running now (the burn-up chart with today's
    # marker), an expense with its receipt and one kept not claimable, a book, a deliverable with its file, a
    # waiver with its long reason, a submission returned with a comment and answered, an appraisal.
    compliance_ids = _compliance(community, convener, admin, user(reviewer_), now.date(), past)
    mentoring_ids = _mentoring(community, convener, members["王美玲"], members["張家豪"], now.date())
    export_ids = _exports(community, convener, compliance_ids["enrollment_id"])

    # What people receive by link.
    reset_token = auth.create_password_reset(user(stranger_), actor=admin)
    newcomer = auth.sign_up(email=_long_email("newcomer.waiting"), display_name="剛註冊的老師 A New Colleague",
                            password=PASSWORD).user
    confirmation = auth.confirmation_token(newcomer)
    unsubscribe = notifications.unsubscribe_token(convener)
    feed = feeds.feed_url_token(convener)
    db.session.flush()

    values = {
        "slug": slug, "activity_id": past.id, "evidence_id": evidence.id, "thread_id": thread.id,
        "post_id": second.id, "attachment_id": attachment.id, "plan_id": doc.id, "section_id": section.id,
        "lesson_id": lesson.id, "template_id": template.id, "resource_id": text.id, "school_id": school.id,
        "user_id": english.id, **compliance_ids, **mentoring_ids, **export_ids,
    }
    by_endpoint = {
        "communities.show_invitation": {"token": invitation.token},
        "auth.reset_password": {"token": reset_token},
        "auth.confirm_email": {"token": confirmation},
        "notifications.unsubscribe": {"token": unsubscribe},
        "notifications.one_click_unsubscribe_page": {"token": unsubscribe},
        "activities.calendar_feed": {"token": feed},
        # The lesson belongs to the convener's adaptation, not to the shared plan.
        "plans.edit_lesson": {"plan_id": adaptation.id},
        "plans.new_from_library": {"resource_id": published_plan.id},
        "resources.thumbnail": {"resource_id": image.id},
        "resources.inline_file": {"resource_id": image.id},
        "activities.board": {"activity_id": running.id},
        "activities.sign_in_page": {"activity_id": running.id},
        "communities.exchange": {"slug": urc_slug},
        "communities.edit_exchanged_teacher": {"slug": urc_slug, "teacher_id": exchanged.id},
        # `lesson_id` is the plans' lesson taught; a public lesson has its own.
        "mentoring.public_lesson": {"lesson_id": mentoring_ids["public_lesson_id"]},
        "mentoring.edit_public_lesson": {"lesson_id": mentoring_ids["public_lesson_id"]},
    }
    queries = {
        "activities.sign_in_page": "t=" + activities.sign_in_token(running),
        "search.index": "q=分數",
        "resources.index": "q=閱讀",
        "compliance.new_program": f"from={compliance_ids['program_id']}",
    }
    return World(convener=convener_, admin=admin_, values=values, by_endpoint=by_endpoint, queries=queries)


def _compliance(community: Any, convener: Any, admin: Any, reviewer: Any, today: dt.date, held: Any) -> dict[str, int]:
    """The world's community in a program, with a record of every kind the compliance pages show; their ids."""
    from sqlalchemy import select

    from workspace.compliance import services as compliance
    from workspace.compliance.models import Enrollment, Program
    from workspace.compliance.services import budget, review
    from workspace.core.storage import store_upload
    from workspace.extensions import db

    compliance.install_presets()
    document = compliance.copy_document(db.session.scalar(select(Program).where(Program.key == "plc-100")))
    document["name"] = f"{document['name']}（{LONG_WORD}）"
    document["period"] = {"first": (today - dt.timedelta(days=120)).isoformat(),
                          "last": (today + dt.timedelta(days=240)).isoformat()}
    program = compliance.create_program(document, admin)
    enrollment = compliance.enrol(community, program, 86_000, convener)
    compliance.confirm(enrollment, admin)
    receipt = store_upload(io.BytesIO(png_bytes(200, 300, (250, 250, 250))), f"收據-{LONG_WORD}.png")
    budget.add_book(enrollment, f"學習共同體：構想與實踐 {LONG_WORD}", "佐藤學", f"共同備課的依據 {LONG_URL}", convener)
    expense = budget.add_expense(enrollment, budget.ExpenseFields(
        category="materials", spent_on=held.starts_at.date(), amount=1_800, payee=f"國家書店 {LONG_WORD}",
        description=f"專業成長書籍 {LONG_URL}", activity_id=held.id), convener, receipt=receipt,
        activity_ids={held.id})
    budget.add_expense(enrollment, budget.ExpenseFields(
        category="refreshments", spent_on=held.starts_at.date(), amount=600, persons=4, payee="福利社",
        description="茶水", keep_unclaimable=True), convener)
    deliverable = review.mark_done(enrollment, "application", today - dt.timedelta(days=100), f"申請表 {LONG_WORD}",
                                   convener, stored=store_upload(io.BytesIO(PHOTO), f"申請表-{LONG_WORD}.png"))
    compliance.waive(enrollment, "plc.activity_video", f"本校無錄影設備，以照片代替。{LONG_WORD}", reviewer)
    first = review.submit(compliance.standings([enrollment])[0], f"請審查。{LONG_URL}", convener)
    _frozen_files(first)
    review.decide(first, approve=False, comment=f"請補上會議記錄。{LONG_WORD}", actor=reviewer)
    db.session.flush()
    db.session.expire_all()
    enrollment = db.session.get(Enrollment, enrollment.id)
    review.submit(compliance.standings([enrollment])[0], f"已補上。{LONG_WORD}", convener)
    review.appraise(enrollment, next(iter(review.RATINGS)), f"表現良好 {LONG_WORD}", reviewer)
    db.session.flush()
    return {"program_id": program.id, "enrollment_id": enrollment.id, "expense_id": expense.id,
            "submission_id": first.id, "deliverable_id": deliverable.id}


def _frozen_files(submission: Any) -> None:
    """The files kept with a round, as its background job keeps them: a results report the convener may mark
    delivered (its button sat beside a 64-character checksum, half out of the card on a phone), a ledger, a pack."""
    from workspace.core.storage import store_built
    from workspace.exports.files import DOCX, XLSX, ZIP
    from workspace.exports.models import SubmissionFile
    from workspace.extensions import db

    for kind, media_type, name in (("results_report", DOCX, f"成果報告-{COMMUNITY_NAME}-{LONG_WORD}.docx"),
                                   ("ledger_xlsx", XLSX, f"活動紀錄-{COMMUNITY_NAME}.xlsx"),
                                   ("evidence_pack", ZIP, f"佐證資料包-{COMMUNITY_NAME}.zip")):
        blob = store_built(f"PK {kind} {uuid.uuid4().hex}".encode(), media_type)
        db.session.add(SubmissionFile(submission_id=submission.id, kind=kind, blob=blob, filename=name,
                                      sha256=blob.sha256, size=blob.size))
    db.session.flush()


def _exports(community: Any, convener: Any, enrollment_id: int) -> dict[str, int]:
    """A results report the convener built in the background, ready to download; its job's id."""
    from workspace.core.storage import store_built
    from workspace.exports.files import DOCX
    from workspace.exports.models import ExportJob, JobStatus
    from workspace.extensions import db

    job = ExportJob(kind="results_report", community_id=community.id, enrollment_id=enrollment_id,
                    requested_by_id=convener.id, status=JobStatus.DONE.value, done=1, total=1,
                    blob=store_built(b"PK", DOCX), filename=f"成果報告-{LONG_WORD}.docx")
    db.session.add(job)
    db.session.flush()
    return {"job_id": job.id}


__all__ = ["PASSWORD", "World", "build_world"]


def _mentoring(community: Any, convener: Any, mentor: Any, mentee: Any, today: dt.date) -> dict[str, int]:
    """A pairing in its second month with a meeting log and its next steps, a goal, an observation shared with
    the conveners (notes, a photo, ratings), the community's own observation form, a public lesson to come and
    the new teacher's handbook begun: every mentoring page has something to show."""
    from workspace.core.storage import store_upload
    from workspace.mentoring.models import Owner
    from workspace.mentoring.services import goals, handbook, logs, observations, pairings, public_lessons, rubrics
    from workspace.mentoring.services.terms import school_year_of

    (pairing,) = pairings.create_pairings(community, mentor.id, [mentee.id], today - dt.timedelta(days=40), None,
                                          convener)
    log = logs.create_log(pairing, logs.LogFields(
        held_on=today - dt.timedelta(days=30), duration_minutes=50, topics=f"班級經營與{LONG_WORD}",
        notes=f"談了座位安排與分組；參考資料：{LONG_URL}", private_notes="下次多給實例",
        next_steps=[(f"整理班級常規清單 {LONG_WORD}", Owner.MENTEE.value), ("分享教學簡報", Owner.MENTOR.value)],
        as_activity=True), actor=mentor)
    goal = goals.create_goal(pairing, goals.GoalFields(title=f"提問引導學生說出想法 {LONG_WORD}",
                                                       success_criteria="觀課時至少三次由學生解釋做法",
                                                       due_on=today + dt.timedelta(days=60)), actor=mentee)
    form = rubrics.create_form(community, rubrics.FormFields(
        "跨校公開授課觀課紀錄表（Interdisciplinary Observation Protocol）",
        [{"key": "design", "label": "教學設計", "hint": LONG_WORD}],
        [{"value": 1, "label": "待加強"}, {"value": 2, "label": "良好"}]), actor=convener)
    observation = observations.create_observation(community, observations.PlanFields(
        observed_id=mentee.id, observed_on=today - dt.timedelta(days=20), lesson_starts_at=dt.time(10, 10),
        subject="數學 五年三班", focus=f"提問後的等待時間 {LONG_WORD}", form_id=rubrics.default_form().id,
        pairing_id=pairing.id), actor=mentor)
    note, _created = observations.add_note(
        observation, observations.NoteFields(client_key=uuid.uuid4().hex, text=f"學生分組討論 {LONG_URL}", minute=12,
                                             row_key="teaching"), actor=mentor,
        photo=store_upload(io.BytesIO(PHOTO), "板書.png"))
    observations.set_ratings(observation, {"design": 3, "teaching": 2}, actor=mentor)
    observations.update_feedback(observation, "情境設計貼近生活", f"多留等待時間 {LONG_WORD}", actor=mentor)
    observations.share_with_observed(observation, actor=mentor)
    observations.set_shared(observation, True, actor=mentor)
    lesson = public_lessons.schedule_lesson(community, public_lessons.LessonFields(
        teacher_id=mentee.id, topic=f"分數的大小比較 {LONG_WORD}", day=today + dt.timedelta(days=14),
        starts=dt.time(10, 10), ends=dt.time(10, 50), subject="數學", place="五年三班教室"), actor=mentee)
    year = school_year_of(today)
    book = handbook.open_handbook(community, mentee.id, year, actor=mentee)
    strengths = next(section for section in book.sections if section.key == "strengths")
    handbook.save_section(strengths, f"和學生的關係好 {LONG_WORD}", actor=mentee, base_version=strengths.version)
    from sqlalchemy import select

    from workspace.extensions import db
    from workspace.mentoring.models import Milestone

    # the default list's first milestone (a reminder's link)
    milestone = db.session.scalars(select(Milestone).where(Milestone.pairing_id == pairing.id)
                                   .order_by(Milestone.id)).first()
    return {"pairing_id": pairing.id, "milestone_id": milestone.id, "log_id": log.id, "goal_id": goal.id,
            "observation_id": observation.id,
            "note_id": note.id, "form_id": form.id, "public_lesson_id": lesson.id, "teacher_id": mentee.id,
            "school_year": year}
