"""Demo data: four schools, three communities and the people in them, their resources, threads, activities and
plans (one final, one draft to write in), loaded through the services.

`flask --app wsgi demo-data` calls `load_demo_data` (which never commits) and then `print_logins`.
Every demo account shares DEMO_PASSWORD, so a visitor can try each role in the demo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from workspace.activities import services as activities
from workspace.activities.models import Activity
from workspace.auth.models import User
from workspace.auth.services import add_school_domain, register_user, school_of_address, set_teaching_profile
from workspace.communities import services as communities
from workspace.communities.models import Community, Membership, Role, School, SchoolRole
from workspace.compliance import services as compliance
from workspace.compliance.models import Enrollment, Program
from workspace.compliance.services import budget
from workspace.core.database import utcnow
from workspace.discussions import services as discussions
from workspace.exports.models import ReportText
from workspace.extensions import db
from workspace.mentoring import demo as mentoring_demo
from workspace.plans import services as plans
from workspace.resources import services as resources
from workspace.resources.models import Resource

# Public on purpose: it is printed for every visitor of the demo.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoSchool:
    key: str
    name: str
    class_count: int
    in_evaluation_programme: bool
    domain: str  # the school's email domain, registered by the administrator: its teachers belong to the school


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    email: str
    locale: str
    school: str | None  # key into SCHOOLS; None for people who work outside a school
    part: str  # their part in the demo, printed beside the login


# A Taiwanese elementary school small enough for the "4 members" rule and in the evaluation
# programme, a mainland county-town school big enough (≥25 classes) to be the core school of an
# urban–rural community, and the two rural schools it leads, as in the source plans.
SCHOOLS = (
    DemoSchool("guanghua", "光華國小", 18, True, "guanghua.demo.example"),
    DemoSchool("chengguan", "青溪县城关第一小学", 36, False, "chengguan.demo.example"),
    DemoSchool("shimen", "青溪县石门乡中心小学", 9, False, "shimen.demo.example"),
    DemoSchool("taoling", "青溪县桃岭村小学", 6, False, "taoling.demo.example"),
)

PEOPLE = (
    # The administrator comes first: the schools need an actor.
    DemoPerson("admin", "Alex Chen", "admin@demo.example", "en", None, "site administrator"),
    DemoPerson("county", "蔡佩珊", "tsai.peishan@edu.demo.example", "zh_Hant", None,
               "reviewer, all schools (county officer)"),
    DemoPerson("dean", "許文彬", "hsu.wenbin@guanghua.demo.example", "zh_Hant", "guanghua",
               "reviewer, 光華國小 (director of academic affairs)"),
    DemoPerson("chen", "陳怡君", "chen.yijun@guanghua.demo.example", "zh_Hant", "guanghua",
               "convener, math-grade5"),
    DemoPerson("lin", "林志豪", "lin.zhihao@guanghua.demo.example", "zh_Hant", "guanghua",
               "co-convener, math-grade5"),
    DemoPerson("wang", "王淑芬", "wang.shufen@guanghua.demo.example", "zh_Hant", "guanghua",
               "mentor, math-grade5"),
    DemoPerson("huang", "黃美玲", "huang.meiling@guanghua.demo.example", "zh_Hant", "guanghua",
               "member in the evaluation programme, math-grade5"),
    DemoPerson("li", "李俊賢", "li.junxian@guanghua.demo.example", "zh_Hant", "guanghua",
               "member in the evaluation programme, math-grade5"),
    DemoPerson("chang", "張家瑋", "chang.jiawei@guanghua.demo.example", "zh_Hant", "guanghua",
               "new teacher, math-grade5 (a section of the draft plan to write) and formative-assessment"),
    DemoPerson("carter", "Emily Carter", "emily.carter@guanghua.demo.example", "en", "guanghua",
               "convener, formative-assessment"),
    DemoPerson("david", "David Lin", "david.lin@guanghua.demo.example", "en", "guanghua",
               "co-convener, formative-assessment"),
    DemoPerson("zhou", "周建国", "zhou.jianguo@chengguan.demo.example", "zh_Hans", "chengguan",
               "convener, urban-rural"),
    DemoPerson("liu", "刘晓燕", "liu.xiaoyan@chengguan.demo.example", "zh_Hans", "chengguan",
               "mentor, urban-rural"),
    DemoPerson("zhao", "赵磊", "zhao.lei@chengguan.demo.example", "zh_Hans", "chengguan",
               "mentor, urban-rural"),
    DemoPerson("sun", "孙丽", "sun.li@shimen.demo.example", "zh_Hans", "shimen",
               "rural teacher on a two-year placement, urban-rural"),
    DemoPerson("wu", "吴海涛", "wu.haitao@shimen.demo.example", "zh_Hans", "shimen",
               "rural teacher on a two-year placement, urban-rural"),
)

DEMO_EMAILS = tuple(person.email for person in PEOPLE)


MATH_DESCRIPTION = """\
光華國小五年級導師與數學專長教師組成的社群。我們每週三下午聚在一起，把同一個單元拆開來一起想：
孩子會卡在哪裡、課堂上要問什麼問題、回家作業怎麼出才不會只是重複練習。

- **協同備課**：每個單元由兩位老師主筆教案，其他人補上學情分析與作業設計的建議
- **教學觀察與回饋**：輪流開放教室，觀課前先談好觀察重點，課後一週內完成回饋會談
- **行動研究**：以「分數概念的常見錯誤」為題，蒐集學生作品，期末整理成報告

歡迎對數學教學有興趣的老師加入，也歡迎帶著自己班上的難題來討論。
"""

MATH_VISION = """\
## 共同願景

讓數學課成為孩子願意說出解題想法、老師彼此支持的地方。

## 本學年目標

1. **社群活動至少 18 次**，每次留下會議記錄、簽到與照片，學年末彙整成果報告。
2. **協同備課**：分數與小數兩個單元完成共同教案，上傳至資源庫供全校使用。
3. **教學觀察與回饋**：每位成員至少公開授課一次，並擔任一次觀課者。
4. **行動研究**：整理五年級分數錯誤類型與對應的教學策略，於校內分享。
5. **新進教師輔導**：由資深教師擔任導師，陪伴新進教師完成第一次公開課。

> 參加教師專業發展評鑑的兩位成員，以社群中的備課、觀課紀錄作為評鑑檔案的佐證資料。
"""

URBAN_RURAL_DESCRIPTION = """\
青溪县城关第一小学作为核心校，与石门乡中心小学、桃岭村小结成城乡教育共同体。
三所学校的老师借助互联网一起上课、一起教研：

- **同步课堂**：核心校教师通过直播同时给本校和乡村学校的学生上课，课后两边老师一起研讨
- **网络研修**：线上集体备课、教学诊断和主题研修，与线下教研交替进行
- **送教下乡**：核心校学科骨干到成员校上示范课、参与评课
- **师徒结对**：乡村学校选派青年教师到核心校跟岗学习两年，由骨干教师一对一带教
"""

URBAN_RURAL_VISION = """\
## 共同愿景

让乡村孩子在家门口也能上到好课，让城乡教师在同一个教研团队里一起成长。

## 年度目标

- **同步课堂**全年不少于 **20 节**，至少覆盖语文、数学两门学科，每节留存课堂照片与课堂记录
- **网络研修**不少于 **8 次**，**线下教研**不少于 **4 次**，分别留存图片和文字佐证
- **集体备课**：核心校每学期到每所成员校至少开展 1 次，一学年内覆盖所有学科
- **送教下乡**：每学期至少 1 次，一学年内覆盖所有学科
- **师徒结对**：导师具有中级及以上职称，结对期两年；跟岗教师每学期至少上 1 节公开汇报课
- 交流教师名单（姓名、学校、学科）每学期更新，确保每所成员校都有教师参与
"""

FORMATIVE_DESCRIPTION = """\
A professional-development theme community for Guanghua teachers who teach English, or teach other
subjects partly in English. Each month we pick one quick way of checking understanding, try it in our
own lessons, and bring back what the students did with it.

- **Techniques we try**: exit tickets, mini whiteboards, traffic-light cards, hinge questions
- **Peer observation**: pairs visit each other's lessons with one agreed focus and talk it over within a week
- **Case analysis**: we look at a few pieces of student work together and decide what to teach next
"""

FORMATIVE_VISION = """\
## Shared vision

Before the bell rings, every lesson should tell the teacher who has understood and who needs another way in.

## Goals for this school year

1. **One technique a month**, tried by every member and reported back at the next meeting.
2. **Observation and feedback**: each member opens their classroom at least once and observes a colleague once.
3. **Book study**: read *Embedded Formative Assessment* together and note what fits a bilingual classroom.
4. **Shared bank of checks**: collect the exit tickets and hinge questions that worked, by grade and unit,
   in the resource library.
"""


@dataclass(frozen=True)
class DemoCommunity:
    slug: str
    name: str
    kind: str
    description: str
    vision: str
    schools: tuple[str, ...]
    convener: str
    members: tuple[tuple[str, Role], ...]  # (person key, role), in the order they joined
    evaluation: tuple[str, ...] = ()  # person keys flagged in the teacher-evaluation programme
    open_invitation: bool = False


COMMUNITIES = (
    DemoCommunity(
        slug="math-grade5",
        name="光華國小五年級數學領域教師專業學習社群",
        kind="subject",
        description=MATH_DESCRIPTION,
        vision=MATH_VISION,
        schools=("guanghua",),
        convener="chen",
        members=(("lin", Role.CO_CONVENER), ("wang", Role.MENTOR), ("huang", Role.MEMBER),
                 ("li", Role.MEMBER), ("chang", Role.MEMBER)),
        evaluation=("huang", "li"),
        open_invitation=True,
    ),
    DemoCommunity(
        slug="urban-rural",
        name="城关一小城乡教育共同体",
        kind="urban_rural",
        description=URBAN_RURAL_DESCRIPTION,
        vision=URBAN_RURAL_VISION,
        schools=("chengguan", "shimen", "taoling"),
        convener="zhou",
        members=(("liu", Role.MENTOR), ("zhao", Role.MENTOR), ("sun", Role.MEMBER), ("wu", Role.MEMBER)),
        open_invitation=True,
    ),
    DemoCommunity(
        slug="formative-assessment",
        name="Formative Assessment in the Bilingual Classroom",
        kind="pd_theme",
        description=FORMATIVE_DESCRIPTION,
        vision=FORMATIVE_VISION,
        schools=("guanghua",),
        convener="carter",
        members=(("david", Role.CO_CONVENER), ("lin", Role.MEMBER), ("chang", Role.MEMBER),
                 ("huang", Role.MEMBER)),
    ),
)


def _demo_users_exist() -> bool:
    return db.session.scalar(select(User.id).where(User.email.in_(DEMO_EMAILS)).limit(1)) is not None


def demo_accounts_exist() -> bool:
    """Whether a demo account can still log in (with the public password)."""
    return db.session.scalar(select(User.id).where(User.email.in_(DEMO_EMAILS), User.active.is_(True))
                             .limit(1)) is not None


def lock_demo_accounts() -> int:
    """Stop the demo accounts from logging in (a deployment that started with the demo): made inactive, so their
    open logins end at their next request too; what they wrote stays. Answers how many were locked."""
    accounts = list(db.session.scalars(select(User).where(User.email.in_(DEMO_EMAILS), User.active.is_(True))))
    for account in accounts:
        account.active = False
    db.session.flush()
    return len(accounts)


def _school(spec: DemoSchool, admin: User) -> School:
    # An administrator may already have entered the school under the same name: reuse it.
    existing = db.session.scalar(select(School).where(School.name == spec.name))
    return existing or communities.save_school(
        None, actor=admin, name=spec.name, class_count=spec.class_count,
        in_evaluation_programme=spec.in_evaluation_programme,
    )


def _add_person(person: DemoPerson, schools: dict[str, School], password_hash: str) -> User:
    # Their addresses count as confirmed (as if each had clicked the link); the school each asked for is then
    # granted through its email domain, which the administrator registers (load_demo_data).
    now = utcnow()
    user = User(
        email=person.email,
        display_name=person.name,
        password_hash=password_hash,
        locale=person.locale,
        requested_school_id=schools[person.school].id if person.school else None,
        approved_at=now,
        email_confirmed_at=now,
    )
    db.session.add(user)
    return user


def _free_slug(slug: str) -> str:
    # Someone may have taken a demo address for a real community; never fail the whole load over it.
    candidate, number = slug, 2
    while db.session.scalar(select(Community.id).where(Community.slug == candidate)) is not None:
        candidate = f"{slug}-{number}"
        number += 1
    return candidate


def _community(spec: DemoCommunity, people: dict[str, User], schools: dict[str, School]) -> Community:
    convener = people[spec.convener]
    community = communities.create_community(
        actor=convener, name=spec.name, kind=spec.kind, slug=_free_slug(spec.slug),
        description=spec.description, vision=spec.vision,
        school_ids=[schools[key].id for key in spec.schools],
    )
    memberships: dict[str, Membership] = {}
    for key, role in spec.members:
        # Everyone joins as a member and the convener then assigns roles, as happens in the app,
        # so the audit trail shows who gave whom which role.
        memberships[key] = communities.add_member(community, people[key], Role.MEMBER.value)
        if role != Role.MEMBER:
            communities.change_role(memberships[key], role.value, actor=convener)
    for key in spec.evaluation:
        communities.set_evaluation_flag(memberships[key], True, actor=convener)
    if spec.open_invitation:
        communities.create_invitation(community, actor=convener, role=Role.MEMBER.value, single_use=False, days=30)
    # The members have been members since before the demo's past activities and pairings (QA: everyone had joined
    # today while they attended in October, so a member's stints could not be tried on the demo).
    joined = _demo_joined()
    for membership in db.session.scalars(select(Membership).where(Membership.community_id == community.id)):
        membership.joined_at = joined
    return community


def _demo_joined() -> dt.datetime:
    """When the demo's members joined: the start of this school year, or 150 days ago if that is earlier (the
    demo's oldest activity is 30 days old, its oldest pairing 20 weeks)."""
    today = activities.to_local(utcnow()).date()
    day = min(school_year_of(today)[0], today - dt.timedelta(days=150))
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


# (person key, professional title, subjects): what the urban–rural rules read of the teachers. 赵磊 is a junior
# teacher on purpose: the mentoring overview and the compliance panel flag a mentor below the title URC asks for.
URBAN_RURAL_TEACHERS = (
    ("zhou", "senior", ("数学",)),
    ("liu", "senior", ("语文",)),
    ("zhao", "junior", ("数学",)),
    ("sun", "none", ("数学",)),
    ("wu", "none", ("语文",)),
)

# (person key, the member school they teach at this year, subject): the core school's exchanged teachers.
EXCHANGED_TEACHERS = (("liu", "shimen", "语文"), ("zhao", "taoling", "数学"))


def _urban_rural(community: Community, people: dict[str, User], schools: dict[str, School]) -> None:
    """The urban–rural community's partnership: 城关一小 the core school, the two rural schools members, a
    three-year agreement from the start of this school year; the teachers' titles and subjects; the exchanged
    teachers, one at each member school."""
    convener, admin = people["zhou"], people["admin"]
    first, _last = school_year_of(activities.to_local(utcnow()).date(), first_month=9)
    communities.update_community(
        community, actor=convener, name=community.name, kind=community.kind, slug=community.slug,
        description=community.description, vision=community.vision,
        school_ids=[school.id for school in community.schools],
        school_roles={schools["chengguan"].id: SchoolRole.CORE.value},
        agreement_starts_on=first, agreement_ends_on=first.replace(year=first.year + 3) - dt.timedelta(days=1))
    for key, title, subjects in URBAN_RURAL_TEACHERS:
        set_teaching_profile(people[key], title=title, subjects=subjects, actor=admin)
    for key, school, subject in EXCHANGED_TEACHERS:
        communities.add_exchanged_teacher(community, communities.ExchangedTeacherFields(
            name="", school_id=schools[school].id, subject=subject, user_id=people[key].id), actor=convener)


def _urban_rural_program(community: Community, people: dict[str, User]) -> None:
    """The urban–rural community enrolled in this school year's copy of the URC preset, confirmed by the county:
    its panel then counts the synchronous classes and research sessions, the exchanged teachers and the
    mentoring rules."""
    first, last = school_year_of(activities.to_local(utcnow()).date(), first_month=9)
    _enrolled_copy("urc", f"urc-{first.year}", f"{first.year}—{last.year}学年城乡教育共同体年度工作", (first, last),
                   community, 5_000_000, people["zhou"], people["county"], people["admin"])  # ¥50,000.00, in fen


def load_demo_data(only_if_empty: bool = False) -> bool:
    """Load the demo schools, people and communities; return whether anything was loaded."""
    if only_if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        return False
    if _demo_users_exist():
        return False
    # The administrator goes through registration (checks and hashing); the others share that hash,
    # since they share the one public password and argon2 at full cost would take seconds per person.
    admin_spec = next(person for person in PEOPLE if person.key == "admin")
    admin = register_user(
        email=admin_spec.email, display_name=admin_spec.name, password=DEMO_PASSWORD, locale=admin_spec.locale
    )
    admin.is_admin = True
    schools = {spec.key: _school(spec, admin) for spec in SCHOOLS}
    people = {"admin": admin}
    for person in PEOPLE:
        if person.key != "admin":
            people[person.key] = _add_person(person, schools, admin.password_hash)
    db.session.flush()
    for spec in SCHOOLS:
        if school_of_address(f"someone@{spec.domain}") is None:
            add_school_domain(schools[spec.key], spec.domain, actor=admin)
    communities.grant_reviewer_scope(people["county"], None, actor=admin)
    communities.grant_reviewer_scope(people["dean"], schools["guanghua"], actor=admin)
    loaded = {spec.slug: _community(spec, people, schools) for spec in COMMUNITIES}
    db.session.flush()
    _urban_rural(loaded["urban-rural"], people, schools)
    _resources(loaded, people)
    _discussions(loaded, people)
    _activities(loaded, people)
    _plans(loaded, people)
    _draft_plan(loaded, people)
    _compliance(loaded, people)
    _urban_rural_program(loaded["urban-rural"], people)
    mentoring_demo.load_demo(loaded, people)
    return True


def school_year_of(day: dt.date, first_month: int = 8) -> tuple[dt.date, dt.date]:
    """The school year that `day` falls in: Taiwan's from 1 August (the default), the mainland's from 1 September
    (first_month=9, as the URC preset's semesters)."""
    start = day.year if day.month >= first_month else day.year - 1
    return dt.date(start, first_month, 1), dt.date(start + 1, first_month, 1) - dt.timedelta(days=1)


def _enrolled_copy(preset_key: str, key: str, name: str, period: tuple[dt.date, dt.date], community: Community,
                   amount: int, convener: User, confirmer: User, admin: User) -> Enrollment:
    """The community enrolled in this year's copy of a shipped preset, as an admin makes one, and confirmed."""
    document = compliance.copy_document(db.session.scalar(select(Program).where(Program.key == preset_key)))
    document.update(key=key, name=name, period={"first": period[0].isoformat(), "last": period[1].isoformat()})
    program = compliance.create_program(document, admin)
    enrollment = compliance.enrol(community, program, amount, convener)
    compliance.confirm(enrollment, confirmer)
    return enrollment


def _compliance(loaded: dict[str, Community], people: dict[str, User]) -> None:
    """The math community enrolled in this school year's copy of the PLC grant, confirmed by the dean, with a
    few expenses (one of them kept not claimable) and a book list: the panel then has something to say."""
    compliance.install_presets()
    first, last = school_year_of(activities.to_local(utcnow()).date())
    community, convener = loaded["math-grade5"], people["chen"]
    enrollment = _enrolled_copy("plc-100", f"plc-{first.year - 1911}", f"{first.year - 1911}學年度教師專業學習社群計畫",
                                (first, last), community, 30_000, convener, people["dean"], people["admin"])
    today = activities.to_local(utcnow()).date()
    spent_on = max(first, today - dt.timedelta(days=10))
    for fields in (
        budget.ExpenseFields("external_speaker_hourly", spent_on, 3200, hours=2, payee="陳明德教授",
                             description="分數教學講座鐘點費"),
        budget.ExpenseFields("printing_materials", spent_on, 180, payee="校內影印室", description="學習單印製"),
        budget.ExpenseFields("refreshments", spent_on, 140, persons=7, description="研討茶水"),
        budget.ExpenseFields("refreshments", spent_on, 240, persons=8, description="期末分享會點心",
                             keep_unclaimable=True),
    ):
        budget.add_expense(enrollment, fields, convener)
    budget.add_book(enrollment, "學習共同體：構想與實踐", "佐藤學",
                    "本學期共讀，作為設計小組協同學習的依據。", convener)
    # The results report's own texts, begun by the convener (the exports page keeps them between exports).
    db.session.add(ReportText(
        enrollment_id=enrollment.id, updated_by_id=convener.id,
        preface=("本社群由五年級數學老師組成，這一年聚焦在「分數與小數」的概念教學。我們每月共同備課一次，"
                 "輪流公開授課並彼此觀課，再依學生的學習單調整下一次的教學設計。\n\n"
                 "這份成果報告整理了一年來的活動、出席與回饋，以及老師們共同發展的教材。"),
        culture_change=("- 備課從各自準備，變成每月固定的共同討論，新進老師也能很快跟上進度。\n"
                        "- 老師們開始主動邀請同事入班觀課，觀課後的討論聚焦在學生的學習證據。\n"
                        "- 學年會議多了一段「本月教學小發現」的分享時間。")))


@dataclass(frozen=True)
class DemoResource:
    community: str  # the slug as written in COMMUNITIES
    author: str
    title: str
    kind: str
    subject: str
    grade: str
    tags: str
    visibility: str
    body: str


# Written for the demo in our own words; the topics are the ones the source plans name.
RESOURCES = (
    DemoResource("math-grade5", "chen", "分數的加減：異分母通分教案", "lesson_plan", "數學", "五年級",
                 "分數, 通分, 協同備課", "school",
                 "# 分數的加減（異分母）\n\n## 學習目標\n- 能用最小公倍數找出公分母\n- 能說明通分前後分數的大小不變\n\n"
                 "## 教學流程\n1. 暖身：用披薩圖複習同分母加法\n2. 小組任務：二分之一加三分之一怎麼算？\n"
                 "3. 全班討論各組的做法，整理通分的步驟\n4. 練習與回饋\n\n"
                 "## 課後反思\n學生最常把分母直接相加，下次先用圖示。"),
    DemoResource("math-grade5", "wang", "觀課紀錄：小組討論中的數學語言", "teaching_case", "數學", "五年級",
                 "教學觀察與回饋, 觀課", "community",
                 "觀課焦點是學生在小組中如何說明自己的算法。\n\n- 三組中有兩組能用「因為……所以……」說明通分\n"
                 "- 一位學生用畫圖說服了同組同學\n\n**回饋建議**：給學生句型鷹架，並安排上台說明的順序。"),
    DemoResource("math-grade5", "huang", "五年級分數單元評量（含解答）", "test_paper", "數學", "五年級",
                 "分數, 評量", "community",
                 "1. 計算：2/3 + 1/4\n2. 比較大小：3/5 和 4/7\n"
                 "3. 應用題：小明喝了半瓶牛奶，又喝了三分之一瓶，一共喝了多少？"),
    DemoResource("urban-rural", "zhou", "同步课堂：《分数的初步认识》教学设计", "lesson_plan", "数学", "三年级",
                 "同步课堂, 分数", "public",
                 "# 同步课堂教学设计\n\n主讲：城关一小；听课：乡村教学点两个班。\n\n- 课前：两校统一学具（圆形纸片）\n"
                 "- 课中：主讲教师提问后，由乡村教师组织本班讨论，再连线汇报\n"
                 "- 课后：两校教师共同反思，记录网络延迟对互动的影响"),
    DemoResource("urban-rural", "liu", "送教下乡活动简报", "research_output", "语文", "四年级",
                 "送教下乡, 师徒结对", "community",
                 "本学期送教两次，覆盖语文与数学。徒弟教师在第二次活动中完成了一节公开汇报课，"
                 "师傅教师课后给出三条改进建议。"),
    DemoResource("formative-assessment", "carter", "Exit tickets that tell you something", "courseware", "English",
                 "Grade 5", "formative assessment, exit ticket", "public",
                 "# Exit tickets\n\nThree prompts that take two minutes and tell you who needs help tomorrow:\n\n"
                 "1. One thing I can now explain to a friend\n2. One question I still have\n"
                 "3. How sure am I? (1–4)\n\nSort the tickets into three piles before you leave the room."),
    DemoResource("formative-assessment", "david", "Reading: feedback that moves learning forward", "reading",
                 "English", "", "feedback, reading group", "community",
                 "Notes for our reading group: feedback works when it is about the task, comes soon, and the "
                 "student gets a chance to use it. We will try *comment-only marking* for three weeks and compare."),
)


def _resources(loaded: dict[str, Community], people: dict[str, User]) -> None:
    """Share a few resources in each community, so the library and its search have something to show."""
    for spec in RESOURCES:
        fields = resources.ResourceFields(title=spec.title, kind=spec.kind, subject=spec.subject, grade=spec.grade,
                                          tags=spec.tags, description="", visibility=spec.visibility)
        resources.create_text_resource(loaded[spec.community], fields, spec.body, actor=people[spec.author])


def print_logins(echo: Callable[[str], None]) -> None:
    """Print the demo logins (email, then name and part) and the password, if the demo people are in the database.

    Only the email column (ASCII) is padded; names and parts hold Chinese, whose width differs between fonts
    and log viewers, so they follow it unpadded and the table lines up wherever it is read.
    """
    found = dict(db.session.execute(select(User.email, User.display_name).where(User.email.in_(DEMO_EMAILS))).all())
    rows = [(person.email, f"{found[person.email]} · {person.part}") for person in PEOPLE if person.email in found]
    if not rows:
        return
    width = max(len(email) for email, _who in rows)
    echo(f"Demo logins (every demo account uses the password {DEMO_PASSWORD}):")
    for email, who in rows:
        echo(f"  {email.ljust(width)}  {who}")
    echo(f"  password: {DEMO_PASSWORD}")


@dataclass(frozen=True)
class DemoThread:
    community: str
    section: str  # the key of a default section
    author: str
    title: str
    body: str
    replies: tuple[tuple[str, str], ...] = ()  # (author, text)
    pinned: bool = False
    answer: int | None = None  # the reply (1-based) chosen as the answer
    about: str | None = None  # the title of a demo resource the thread discusses


# Written for the demo in our own words.
THREADS = (
    DemoThread("math-grade5", "announcements", "chen", "下週三共同備課：分數的加減",
               "下週三第七節在自然教室進行共同備課，請大家先讀過 @林志豪 上傳的教案初稿，"
               "帶一個你班上學生最常出錯的例子來。", pinned=True,
               replies=(("lin", "收到，我會把初稿的第二節再修一下。"),)),
    DemoThread("math-grade5", "questions", "huang", "通分時學生一直把分母相加，怎麼辦？",
               "五年三班有將近一半的孩子寫 1/2 + 1/3 = 2/5。用過披薩圖，效果普通。各位有什麼做法？",
               replies=(("wang", "我會先讓他們用**紙條摺一摺**，自己發現一半加三分之一比一半多，"
                                 "再問 2/5 是不是比一半小。矛盾出現之後，通分就有理由了。"),
                        ("li", "同意 @王淑芬 的做法。我另外會用數線，讓學生把兩個分數標上去。"),
                        ("huang", "謝謝！明天先試紙條，再回來分享。")),
               answer=1),
    DemoThread("math-grade5", "sharing", "wang", "關於：分數的加減：異分母通分教案",
               "這份教案的小組任務設計得很好。建議在第三步加一張學習單，讓各組把做法寫下來，全班討論時比較好對照。",
               about="分數的加減：異分母通分教案",
               replies=(("chen", "好主意，學習單我來做，週三帶給大家看。"),)),
    DemoThread("math-grade5", "reflections", "li", "公開課後的省思",
               "今天的公開課，時間分配沒掌握好，練習只做了一半。下次會把暖身縮短到五分鐘。"),
    DemoThread("urban-rural", "announcements", "zhou", "本月同步课堂安排",
               "本月两次同步课堂：第二周语文、第四周数学。请乡村教学点的老师提前一天测试网络。", pinned=True),
    DemoThread("urban-rural", "questions", "sun", "同步课堂时网络延迟，学生讨论跟不上怎么办？",
               "上次连线延迟了好几秒，两边学生的讨论接不上。",
               replies=(("liu", "可以把讨论放在各自班级内完成，只在汇报环节连线，延迟的影响会小很多。"),),
               answer=1),
    DemoThread("formative-assessment", "sharing", "carter", "Exit tickets: first week",
               "We tried the three-prompt exit ticket in two classes. Sorting took five minutes. "
               "The question pile was the most useful one. @David Lin, how did it go in grade 6?",
               replies=(("david", "Similar here. Students wrote more when the prompt was in Chinese and English."),)),
)


def _discussions(loaded: dict[str, Community], people: dict[str, User]) -> None:
    """Start a few threads in each community: an announcement, a question with its answer, a reflection."""
    for spec in THREADS:
        community = loaded[spec.community]
        section = next(item for item in discussions.categories_of(community) if item.key == spec.section)
        about = None
        if spec.about:
            about = db.session.scalar(select(Resource).where(
                Resource.community_id == community.id, Resource.title == spec.about))
        thread = discussions.create_thread(community, category=section, title=spec.title, body=spec.body,
                                           actor=people[spec.author], about=about)
        posts = [discussions.reply(thread, text, actor=people[author]) for author, text in spec.replies]
        if spec.pinned:
            discussions.set_pinned(thread, True, actor=people[spec.author])
        if spec.answer:
            discussions.mark_answer(thread, posts[spec.answer - 1], actor=people[spec.author])


@dataclass(frozen=True)
class DemoActivity:
    community: str
    title: str
    method: str
    days: int  # from today: negative in the past
    start: str  # local time, "14:00"
    hours: float
    place: str
    agenda: str = ""
    minutes: str = ""
    mode: str = "offline"
    absent: tuple[str, ...] = ()  # person keys who did not come (past activities)
    feedback: tuple[tuple[str, int, str], ...] = ()  # (person, 1-5, comment)
    speaker: tuple[str, str, bool, float] | None = None  # (name, affiliation, external, hours)
    subjects: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # what the funders' rules count by (同步课堂, 送教下乡, 教研)


# Written for the demo in our own words.
ACTIVITIES = (
    DemoActivity("math-grade5", "共同備課：分數的加減", "collaborative_planning", -21, "14:00", 2, "自然教室",
                 agenda="- 檢視教案初稿\n- 預測學生的迷思\n- 分配觀課重點",
                 minutes="## 討論\n大家同意先用紙條操作，再進入通分的算法。\n\n## 決議\n- 林志豪修改第二節\n"
                         "- 下次觀課聚焦小組說明",
                 absent=("chang",), feedback=(("huang", 5, "紙條的點子很好用"), ("li", 4, ""))),
    DemoActivity("math-grade5", "觀課與議課：五年三班", "observation_feedback", -7, "10:00", 1.5, "五年三班教室",
                 minutes="## 觀察\n兩組能用完整句子說明通分的理由。\n\n## 建議\n提供句型鷹架。",
                 feedback=(("wang", 4, "議課時間可以再長一點"),)),
    DemoActivity("math-grade5", "校外專題講座：素養導向評量", "external_lecture", 9, "13:30", 3, "視聽教室",
                 agenda="- 素養導向評量的設計原則\n- 實作：改寫一題評量",
                 speaker=("張教授", "國立教育大學", True, 3)),
    DemoActivity("urban-rural", "同步课堂：分数的初步认识", "co_teaching", -14, "09:00", 1, "城关一小录播教室",
                 mode="hybrid", minutes="## 记录\n两校学生共同完成分一分的活动，网络延迟约两秒。",
                 absent=("wu",), feedback=(("sun", 4, "乡村学生参与度很高"),), subjects=("数学",), tags=("同步课堂",)),
    DemoActivity("urban-rural", "送教下乡：石门乡中心小学四年级阅读课", "co_teaching", -30, "10:00", 2,
                 "石门乡中心小学四年级教室", minutes="## 记录\n刘晓燕老师上示范课，课后与两位乡村教师评课。",
                 subjects=("语文",), tags=("送教下乡",)),
    DemoActivity("urban-rural", "网络教研：送教下乡回顾", "peer_reflection", 5, "15:00", 1.5, "", mode="online",
                 tags=("教研",)),
    DemoActivity("formative-assessment", "Reading group: feedback that moves learning forward", "topic_study", -10,
                 "15:30", 1, "Library", minutes="## Discussion\nWe agreed to try comment-only marking for three weeks.",
                 feedback=(("lin", 5, "Useful and short"),)),
)


def _activities(loaded: dict[str, Community], people: dict[str, User]) -> None:
    """A few activities per community: past ones with attendance, minutes and feedback; one to come."""
    today = activities.to_local(utcnow()).date()
    for spec in ACTIVITIES:
        community = loaded[spec.community]
        convener = next(people[key] for key, person in ((p.key, p) for p in PEOPLE)
                        if person.key == next(c.convener for c in COMMUNITIES if c.slug == spec.community))
        hour, minute = (int(part) for part in spec.start.split(":"))
        starts = dt.datetime.combine(today + dt.timedelta(days=spec.days), dt.time(hour, minute))
        speakers = [activities.SpeakerFields(name=spec.speaker[0], affiliation=spec.speaker[1],
                                             external=spec.speaker[2], hours=spec.speaker[3])] if spec.speaker else []
        activity = activities.create_activity(community, activities.ActivityFields(
            title=spec.title, method=spec.method, mode=spec.mode, starts_at=starts,
            ends_at=starts + dt.timedelta(hours=spec.hours), place=spec.place, agenda=spec.agenda,
            subjects=list(spec.subjects), tags=list(spec.tags), speakers=speakers), actor=convener)
        if spec.days >= 0:
            continue
        members = [member for member in activities.community_members(community)]
        statuses = {member.id: ("absent" if any(people[key].id == member.id for key in spec.absent) else "present")
                    for member in members}
        activities.set_attendance(activity, statuses, actor=convener, now=activity.starts_at)
        if spec.minutes:
            activities.save_minutes(activity, spec.minutes, "", actor=convener, base_version=activity.minutes_version)
        for key, score, comment in spec.feedback:
            activities.give_feedback(activity, score, comment, actor=people[key])


# Written for the demo in our own words: one shared plan of the math community, final, with an
# adaptation, a lesson taught and its reflection, a comment, and the planning meeting linked.
PLAN_SECTIONS = {
    "objectives": "- 能用圖示說明異分母分數為什麼要先通分\n- 能正確計算兩個異分母分數的加減\n"
                  "- 願意用完整句子向同學說明自己的做法",
    "resources": "| 材料 | 用途 |\n| --- | --- |\n| 紙條（每組 6 張） | 折出 1/2、1/3、1/6 |\n"
                 "| 數線掛圖 | 全班對照 |\n| 學習單 | 課末檢核 |",
    "learners": "學生已會同分母分數加減，也會找兩個數的公倍數；常見的迷思是把分子、分母分別相加。",
    "process": "1. 引起動機（5 分）：1/2 杯果汁加 1/3 杯是多少？\n2. 小組操作（15 分）：用紙條折出並比較\n"
               "3. 全班討論（10 分）：為什麼要換成相同的分母\n4. 練習與說明（10 分）",
    "strategies": "先讓學生預測，再用紙條驗證；請做法不同的兩組上台比較。",
    "homework": "- 基礎：課本 p.42 第 1–4 題\n- 延伸：自己出一題並畫圖說明",
    "reflection": "",
}


def _plans(loaded: dict[str, Community], people: dict[str, User]) -> None:
    """A co-planning document that went the whole way: written together, final, adapted, taught, reflected."""
    community = loaded["math-grade5"]
    lead, teacher, colleague = people["lin"], people["wang"], people["huang"]
    doc = plans.create_plan(community, plans.PlanFields(
        topic="分數的加減（異分母）", subject="數學", grade="五年級", unit="第四單元 分數的加減", lead_id=lead.id,
        planned_on=dt.date.today() - dt.timedelta(days=7), teacher_ids=[lead.id, teacher.id, colleague.id]),
        actor=lead)
    for section in doc.sections:
        text = PLAN_SECTIONS.get(section.key or "", "")
        if text:
            author = colleague if section.key == "learners" else lead
            plans.save_section(section, text, actor=author, base_version=section.version)
    process = next(section for section in doc.sections if section.key == "process")
    plans.add_comment(process, "第二步的時間可能不夠，建議 20 分鐘。@林志豪", actor=teacher)
    plans.set_status(doc, "review", actor=lead)
    plans.set_status(doc, "final", actor=lead)
    meeting = db.session.scalar(select(Activity).where(Activity.community_id == community.id,
                                                       Activity.method == "collaborative_planning"))
    if meeting is not None:
        plans.link_target(doc, "activity", meeting.id, "meeting", actor=lead)
    adaptation = plans.adapt(doc, actor=teacher)
    adapted = next(section for section in adaptation.sections if section.key == "strategies")
    plans.save_section(adapted, adapted.body + "\n\n- 五年三班：先用兩人一組，再併成四人組。", actor=teacher,
                       base_version=adapted.version)
    plans.record_lesson(adaptation, taught_on=dt.date.today() - dt.timedelta(days=7), class_name="五年三班",
                        reflection="紙條操作很有效，但通分的算法要多給一個例題；下次先複習公倍數。", actor=teacher)


# Written for the demo in our own words: the math community's next unit, still a draft, so that anyone who
# logs in to the demo finds a plan to write in. Three colleagues wrote their parts, three sections are still
# empty (one of them assigned to the new teacher), and a question waits under the learning process.
DRAFT_TOPIC = "小數的乘法（小數乘以整數）"
DRAFT_SECTIONS = {
    "objectives": ("huang", "- 能用「幾個 0.1」說明小數乘以整數的意思\n"
                            "- 能正確算出一位小數乘以整數，並判斷小數點的位置\n"
                            "- 願意比較不同的算法，說出哪一種自己最容易懂"),
    "resources": ("li", "| 材料 | 用途 |\n| --- | --- |\n| 百格板（每組 1 張） | 塗出 0.3 × 4 |\n"
                        "| 錢幣教具 | 用「幾角」想小數 |\n| 課本 p.58–61 | 例題與練習 |"),
    "learners": ("wang", "學生已會整數乘法與一位小數的加法；常把小數點當成裝飾而忽略，"
                         "或在直式中把小數點對齊後就不知道怎麼算。少數學生已在補習班學過「先當整數乘、再點小數點」，"
                         "但說不出道理。"),
    "process": ("huang", "1. 引起動機（5 分）：一條緞帶 0.3 公尺，做 4 個蝴蝶結要幾公尺？\n"
                         "2. 小組操作（10 分）：在百格板上塗出 0.3 × 4，再用錢幣驗證\n"
                         "3. 全班討論（10 分）：整數乘法和小數乘法的算法哪裡一樣、哪裡不同\n"
                         "4. （待補：練習與總結）"),
}


def _draft_plan(loaded: dict[str, Community], people: dict[str, User]) -> None:
    """A plan still being written, for a newcomer to try: some sections written by different teachers, some
    empty, one assigned to the new teacher, an open comment."""
    community = loaded["math-grade5"]
    lead = people["huang"]
    doc = plans.create_plan(community, plans.PlanFields(
        topic=DRAFT_TOPIC, subject="數學", grade="五年級", unit="第六單元 小數的乘法", lead_id=lead.id,
        planned_on=dt.date.today() + dt.timedelta(days=14),
        teacher_ids=[lead.id, people["li"].id, people["chang"].id]), actor=lead)
    sections = {section.key: section for section in doc.sections}
    for key, (author, text) in DRAFT_SECTIONS.items():
        plans.save_section(sections[key], text, actor=people[author], base_version=sections[key].version)
    plans.assign_section(sections["homework"], people["chang"].id, actor=lead)
    plans.add_comment(sections["process"], "小組操作十分鐘可能不夠，要不要改成兩人一組、先塗再說明？@黃美玲",
                      actor=people["lin"])
