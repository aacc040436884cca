"""The demo data: what it loads, that it never loads twice, the CLI, and a demo login that works."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.html
import opencc
import pytest
from sqlalchemy import func, select

from tests.factories import make_user
from workspace import demo
from workspace.auth.models import User
from workspace.auth.services import check_password_strength
from workspace.communities.models import Community, Invitation, Membership, ReviewerScope, School
from workspace.core.models import AuditEvent
from workspace.discussions import services as discussions_services
from workspace.extensions import db


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _active(community: Community) -> list[Membership]:
    return list(db.session.scalars(
        select(Membership).where(Membership.community_id == community.id, Membership.left_at.is_(None))
    ))


def _communities() -> dict[str, Community]:
    return {community.slug: community for community in db.session.scalars(select(Community))}


def test_load_creates_schools_people_and_communities(ctx):
    assert demo.load_demo_data() is True
    assert _count(School) == 4
    assert 13 <= _count(User) <= 17
    communities = _communities()
    assert {slug: community.kind for slug, community in communities.items()} == {
        "math-grade5": "subject", "urban-rural": "urban_rural", "formative-assessment": "pd_theme",
    }
    # One school small enough for the 4-member rule and in the evaluation programme, one of 25+ classes.
    schools = {school.name: school for school in db.session.scalars(select(School))}
    assert schools["光華國小"].class_count <= 24 and schools["光華國小"].in_evaluation_programme
    assert schools["青溪县城关第一小学"].class_count >= 25


def test_demo_teachers_belong_to_their_schools_through_the_schools_email_domains(ctx):
    demo.load_demo_data()
    schools = {school.name: school for school in db.session.scalars(select(School))}
    assert {row.domain for school in schools.values() for row in school.domains} == {
        "guanghua.demo.example", "chengguan.demo.example", "shimen.demo.example", "taoling.demo.example"}
    for person in demo.PEOPLE:
        user = db.session.scalar(select(User).where(User.email == person.email))
        assert user.approved and user.requested_school_id is None
        assert person.school is None or user.email_confirmed_at is not None
        expected = next(spec.name for spec in demo.SCHOOLS if spec.key == person.school) if person.school else None
        assert (user.school.name if user.school else None) == expected, person.email
    granted = db.session.scalars(select(AuditEvent.data).where(AuditEvent.action == "user.school_granted")).all()
    assert granted and all(data["how"] == "email_domain" for data in granted)


def test_each_community_has_one_convener_and_enough_members(ctx):
    demo.load_demo_data()
    for community in _communities().values():
        members = _active(community)
        assert len(members) >= 4, community.slug
        assert [m.role for m in members].count("convener") == 1, community.slug
        assert community.schools, community.slug
        assert "<strong>" in community.vision_html and "<li>" in community.vision_html


def test_demo_members_joined_before_the_activities_and_pairings_they_take_part_in(ctx):
    """QA: every demo member had joined today, while they had attended in October (and were paired 20 weeks ago)."""
    from workspace.activities.models import Activity
    from workspace.mentoring.models import Pairing

    demo.load_demo_data()
    earliest_activity = db.session.scalar(select(func.min(Activity.starts_at)))
    earliest_pairing = db.session.scalar(select(func.min(Pairing.starts_on)))
    for membership in db.session.scalars(select(Membership)):
        assert membership.joined_at <= earliest_activity, membership.community_id
        assert membership.joined_at.date() <= earliest_pairing


def test_math_community_has_roles_flags_and_an_open_link(ctx):
    demo.load_demo_data()
    math = _communities()["math-grade5"]
    members = _active(math)
    roles = [m.role for m in members]
    assert len(members) >= 6
    assert {"co_convener", "mentor"} <= set(roles)
    assert sum(m.in_evaluation_programme for m in members) == 2
    invitation = db.session.scalar(select(Invitation).where(Invitation.community_id == math.id))
    assert invitation is not None and not invitation.single_use and invitation.is_usable()
    # Created through the services, so the audit trail shows it.
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.community_id == math.id)))
    assert {"community.created", "membership.role_changed", "membership.evaluation_flag",
            "invitation.created"} <= actions


def test_people_speak_their_community_language(ctx):
    demo.load_demo_data()
    expected = {"math-grade5": "zh_Hant", "urban-rural": "zh_Hans", "formative-assessment": "en"}
    for slug, community in _communities().items():
        convener = next(m.user for m in _active(community) if m.role == "convener")
        assert convener.locale == expected[slug]
    assert {user.locale for user in db.session.scalars(select(User))} == {"zh_Hant", "zh_Hans", "en"}
    teachers = db.session.scalars(select(User).where(User.is_admin.is_(False))).all()
    assert sum(user.school_id is not None for user in teachers) >= len(teachers) - 1


def test_admin_and_reviewers(ctx):
    demo.load_demo_data()
    admins = db.session.scalars(select(User).where(User.is_admin.is_(True))).all()
    assert len(admins) == 1
    scopes = db.session.scalars(select(ReviewerScope)).all()
    assert any(scope.school_id is None for scope in scopes)
    assert any(scope.school_id is not None for scope in scopes)


def test_second_load_loads_nothing(ctx):
    assert demo.load_demo_data() is True
    users = _count(User)
    assert demo.load_demo_data() is False
    assert demo.load_demo_data(only_if_empty=True) is False
    assert _count(User) == users and _count(Community) == 3


def test_only_if_empty_respects_existing_users(ctx):
    make_user()
    assert demo.load_demo_data(only_if_empty=True) is False
    assert _count(School) == 0 and _count(Community) == 0
    # Without the flag, a database with other people still gets the demo.
    assert demo.load_demo_data() is True
    assert _count(Community) == 3


def test_demo_password_passes_the_strength_check():
    check_password_strength(demo.DEMO_PASSWORD)


def test_print_logins_prints_nothing_without_demo_users(ctx):
    lines: list[str] = []
    demo.print_logins(lines.append)
    assert lines == []


def test_cli_loads_and_prints_logins(app):
    app.config["BASE_URL"] = "http://127.0.0.1:5000"  # make run on this machine
    result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    assert demo.DEMO_PASSWORD in result.output
    assert "admin@demo.example" in result.output and "陳怡君" in result.output
    with app.app_context():
        assert _count(Community) == 3  # committed by the command
    again = app.test_cli_runner().invoke(args=["demo-data"])
    assert again.exit_code == 0 and "no demo data loaded" in again.output
    assert "admin@demo.example" in again.output


def test_demo_user_logs_in_with_the_printed_password(app, client, ctx):
    demo.load_demo_data()
    db.session.commit()
    lines: list[str] = []
    demo.print_logins(lines.append)
    password = re.search(r"password: (\S+)", lines[-1]).group(1)
    email = next(person.email for person in demo.PEOPLE if person.key == "chen")
    response = client.post_form("/login", {"email": email, "password": password})
    assert response.status_code == 302
    home = client.get(response.headers["Location"])
    assert home.status_code == 200
    assert "五年級數學" in home.get_data(as_text=True)


def test_texts_are_not_copied_from_the_seeds(shared_dir):
    seeds = "".join(path.read_text(encoding="utf-8") for path in sorted((shared_dir / "seeds").glob("*.txt")))
    seeds = re.sub(r"\s+", "", seeds)
    for spec in demo.COMMUNITIES:
        for text in (spec.description, spec.vision):
            flat = re.sub(r"\s+", "", text)
            copied = [flat[i:i + 16] for i in range(len(flat) - 15) if flat[i:i + 16] in seeds]
            assert copied == [], spec.slug


def test_demo_library_has_resources_found_across_scripts(ctx):
    from workspace.demo import RESOURCES, load_demo_data
    from workspace.resources import services as resources
    from workspace.resources.models import Resource

    assert load_demo_data()
    db.session.commit()
    assert db.session.scalar(select(func.count(Resource.id))) == len(RESOURCES)
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
    found = resources.list_resources(admin, resources.ResourceFilters(q="同步課堂"))  # Traditional query
    assert [item.title for item in found.items] == ["同步课堂：《分数的初步认识》教学设计"]


def test_demo_board_has_threads_answers_mentions_and_a_resource_discussion(ctx):
    from workspace.demo import THREADS, load_demo_data
    from workspace.discussions import services as discussions
    from workspace.discussions.models import Thread
    from workspace.notifications.models import Notification

    assert load_demo_data()
    db.session.commit()
    threads = list(db.session.scalars(select(Thread).order_by(Thread.id)))  # the first is the maths board's
    assert len(threads) == len(THREADS)
    assert sum(thread.answer_post_id is not None for thread in threads) == 2
    assert sum(thread.pinned for thread in threads) == 2
    assert any(discussions_services.subject_of(thread) is not None for thread in threads)
    mentioned = db.session.scalars(select(User.display_name).join(Notification, Notification.user_id == User.id)
                                   .where(Notification.kind == "mention")).all()
    assert {"林志豪", "王淑芬", "David Lin"} <= set(mentioned)
    community = threads[0].community
    hits, _total = discussions.search_board(community, "通分")
    assert hits


def test_the_math_community_has_a_plan_that_went_the_whole_way(ctx):
    from workspace.plans import services as plans
    from workspace.plans.models import PlanDoc

    demo.load_demo_data()
    doc = db.session.scalar(select(PlanDoc).where(PlanDoc.kind == "shared", PlanDoc.status == "final"))
    assert doc.community.slug == "math-grade5"
    assert all(section.body for section in doc.sections if section.key != "reflection")
    [adaptation] = plans.adaptations_of(doc)
    assert any(change.changed for change in plans.section_changes(adaptation))
    assert [lesson.class_name for lesson in plans.reflections_for(doc)] == ["五年三班"]
    assert [item.link.role for item in plans.links_of(doc)] == ["meeting"]
    assert sum(plans.open_comment_counts(doc).values()) == 1


def test_printed_logins_line_up_in_any_font(ctx):
    """Only the ASCII emails are padded: the columns line up whatever width a font gives Chinese names."""
    demo.load_demo_data()
    db.session.commit()
    lines: list[str] = []
    demo.print_logins(lines.append)
    table = lines[1:-1]
    assert len(table) == len(demo.PEOPLE)
    second_columns = set()
    for line, person in zip(table, demo.PEOPLE, strict=True):
        assert line.startswith(f"  {person.email} ")
        second_columns.add(len(line) - len(line[2 + len(person.email):].lstrip()))
    assert len(second_columns) == 1
    assert any("陳怡君 · convener" in line for line in table)


def test_the_math_community_has_a_draft_plan_a_newcomer_can_write_in(ctx):
    """Every plan of the demo used to be final: nobody trying the demo could write a section."""
    from workspace.core.permissions import can
    from workspace.notifications.models import Notification
    from workspace.plans import services as plans
    from workspace.plans.models import PlanDoc

    demo.load_demo_data()
    [draft] = db.session.scalars(select(PlanDoc).where(PlanDoc.kind == "shared", PlanDoc.status == "draft")).all()
    assert draft.community.slug == "math-grade5" and draft.topic == demo.DRAFT_TOPIC
    sections = plans.sections_of(draft)
    written = [section for section in sections if section.body.strip()]
    empty = [section for section in sections if not section.body.strip()]
    assert len(written) >= 3 and len(empty) >= 2
    assert len({section.updated_by_id for section in written}) >= 3  # written by different teachers
    assert all(section.version > 1 for section in written)  # saved through the app, with their history
    people = {user.display_name: user for user in db.session.scalars(select(User))}
    [assigned] = [section for section in sections if section.assignee_id is not None]
    assert assigned.assignee_id == people["張家瑋"].id and not assigned.body.strip()
    assert db.session.scalar(select(Notification).where(Notification.kind == "assigned",
                                                        Notification.user_id == people["張家瑋"].id))
    assert sum(plans.open_comment_counts(draft).values()) == 1
    # In the community's language: Traditional Chinese, which OpenCC's Simplified→Traditional leaves as it is.
    to_traditional = opencc.OpenCC("s2t")
    comments = [comment.body for section in sections for comment in plans.comments_of(section)]
    for text in [draft.topic, *(section.body for section in written), *comments]:
        assert to_traditional.convert(text) == text, text
    for name in ("張家瑋", "李俊賢", "王淑芬", "陳怡君"):  # every member may write in it, the new teacher first
        assert can(people[name], "edit", draft), name
    result = plans.save_section(assigned, "- 基礎：課本 p.62 第 1–3 題", actor=people["張家瑋"],
                                base_version=assigned.version)
    assert result.accepted


def test_the_urban_rural_community_leads_two_rural_schools_and_is_judged_by_the_urc_rules(ctx):
    from workspace.communities.services import school_roles_of
    from workspace.compliance import services as compliance
    from workspace.compliance.engine import Status

    demo.load_demo_data()
    community = _communities()["urban-rural"]
    roles = {school.name: role for school in community.schools for school_id, role in school_roles_of(community).items()
             if school_id == school.id}
    assert roles == {"青溪县城关第一小学": "core", "青溪县石门乡中心小学": "member", "青溪县桃岭村小学": "member"}
    assert community.agreement_starts_on < community.agreement_ends_on
    [enrollment] = compliance.enrollments_of(community.id)
    assert enrollment.program.currency == "CNY" and enrollment.status == "confirmed"
    [standing] = compliance.standings([enrollment])
    results = {result.rule_id: result for result in standing.results}
    # One exchanged teacher at each member school: the list covers them.
    assert results["urc.exchanged_teachers"].status is Status.MET
    # The synchronous class was tagged 同步课堂 in Simplified script: the rule written 同步課堂 finds it, and says
    # what it lacks to count (a photo).
    lacking = [gap.params for gap in results["urc.sync_classes"].gaps if gap.code == "activity_missing_evidence"]
    assert [standing.titles[params["activity_id"]] for params in lacking] == ["同步课堂：分数的初步认识"]
    # 赵磊 mentors with a junior title: flagged, by name.
    mentor_title = results["urc.mentor_title"]
    assert mentor_title.status is not Status.MET
    assert [part.label for part in mentor_title.parts if part.status is not Status.MET] == ["赵磊"]


# --- every page the demo's people are shown ------------------------------------------------------

_SKIPPED_LINKS = re.compile(r"^/(static|logout)|/download|/export|\.ics$|/feed|unsubscribe|/files?/|/raw|/photo|"
                            r"/thumb|\.(docx|xlsx|csv|pdf|zip)$")


def _walk(client, *, limit: int = 160) -> dict[str, str]:
    """The pages a person reaches by following the links and redirects they are shown from the home page, one
    page per address shape (ids as N), as path → HTML; a link that answers an error fails at once."""
    pages: dict[str, str] = {}
    shapes: set[str] = set()
    queue = [("/", "the start")]
    while queue and len(pages) < limit:
        path, came_from = queue.pop(0)
        shape = re.sub(r"\d+", "N", path)
        if shape in shapes:
            continue
        shapes.add(shape)
        response = client.get(path)
        assert response.status_code < 400, f"{path} (linked from {came_from}) answered {response.status_code}"
        if response.status_code in (301, 302, 303):
            target = urlsplit(response.headers["Location"])
            queue.append((target.path + (f"?{target.query}" if target.query else ""), path))
            continue
        if "html" not in (response.mimetype or ""):
            continue
        pages[path] = html = response.get_data(as_text=True)
        for href in lxml.html.fromstring(html).xpath("//a/@href"):
            target = urlsplit(urljoin(f"http://localhost{path}", href))
            address = target.path + (f"?{target.query}" if target.query else "")
            if target.netloc == "localhost" and not _SKIPPED_LINKS.search(address):
                queue.append((address, path))
    return pages


@pytest.mark.parametrize("email", ["admin@demo.example", "chen.yijun@guanghua.demo.example",
                                   "wang.shufen@guanghua.demo.example", "hsu.wenbin@guanghua.demo.example"])
def test_every_page_a_demo_person_reaches_opens_and_ties_each_label_to_one_box(client, ctx, email):
    """Followed link by link as an administrator, a convener, a mentor and a reviewer: no link shown answers an
    error, no id is on a page twice (two "reason" boxes made one label name the other's box), every label
    names a box that is there, and each whole page has a title and one main heading (what a screen reader's
    list of headings starts from)."""
    demo.load_demo_data()
    client.login(db.session.scalar(select(User).where(User.email == email)))
    pages = _walk(client)
    assert len(pages) > 25
    for path, html in pages.items():
        document = lxml.html.fromstring(html)
        ids = [element.get("id") for element in document.xpath("//*[@id]")]
        assert sorted({name for name in ids if ids.count(name) > 1}) == [], path
        assert [name for name in document.xpath("//label/@for") if name not in ids] == [], path
        if html.lstrip().lower().startswith("<!doctype"):
            assert document.findtext(".//title").strip() and len(document.xpath("//h1")) == 1, path


def test_the_simplified_community_reads_the_funders_clauses_and_the_default_form_in_its_script(client, ctx):
    """The URC preset quotes its source in Traditional characters; 周建国 reads the interface in Simplified, and
    the clauses under each rule and the rows a new observation form starts from come in Simplified too."""
    demo.load_demo_data()
    client.login(db.session.scalar(select(User).where(User.email == "zhou.jianguo@chengguan.demo.example")))
    panel = client.get("/c/urban-rural/compliance/").get_data(as_text=True)
    assert "城乡同步课堂" in panel and "城鄉同步課堂" not in panel
    new_form = client.get("/c/urban-rural/mentoring/observation-forms/new").get_data(as_text=True)
    assert "教学准备 | 教学目标明确" in new_form and "教學準備" not in new_form


def test_the_urban_rural_report_has_no_budget_categories_to_head(ctx):
    """URC has no budget categories: the report's budget shows its figures and no empty table of categories."""
    import io

    import docx

    from workspace.compliance.models import Enrollment
    from workspace.exports import report

    demo.load_demo_data()
    community = _communities()["urban-rural"]
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.community_id == community.id))
    document = docx.Document(io.BytesIO(report.results_report(enrollment, "zh_Hans").data))
    first_cells = [table.rows[0].cells[0].text for table in document.tables]
    assert "核拨数" in first_cells and "经费项目" not in first_cells


@pytest.mark.parametrize(("email", "slug"), [("chen.yijun@guanghua.demo.example", "math-grade5"),
                                             ("zhou.jianguo@chengguan.demo.example", "urban-rural")])
def test_every_file_the_demo_exports_page_offers_downloads(client, ctx, email, slug):
    """Each download link of a demo community's exports page, in each language it offers, answers its file (the
    application form once answered 500 for any community whose members have schools)."""
    demo.load_demo_data()
    client.login(db.session.scalar(select(User).where(User.email == email)))
    page = client.get(f"/c/{slug}/exports/")
    assert page.status_code == 200
    links = {href for href in lxml.html.fromstring(page.get_data(as_text=True)).xpath("//a/@href")
             if re.search(r"\.(docx|xlsx|csv|zip)(\?|$)", href)}
    assert any("application.docx" in link for link in links) and any("implementation-plan" in link for link in links)
    for link in sorted(links):
        for lang in ("zh_Hant", "zh_Hans", "en"):
            address = re.sub(r"lang=\w+", f"lang={lang}", link)
            response = client.get(address)
            assert response.status_code == 200, address
            assert "html" not in response.mimetype, address
            assert "attachment" in response.headers["Content-Disposition"], address


@pytest.mark.parametrize("email", ["chen.yijun@guanghua.demo.example", "wang.shufen@guanghua.demo.example"])
def test_an_editor_opened_in_place_brings_no_id_the_page_has(client, ctx, email):
    """An "Edit" that opens its form in place (htmx) must not bring ids the page already has outside what it
    replaces: a meeting log's and a goal's editor once had the ids of the form for a new one on the same page,
    so their labels named the other form's boxes."""
    demo.load_demo_data()
    client.login(db.session.scalar(select(User).where(User.email == email)))
    clashes, opened = [], set()
    for path, html in _walk(client).items():
        document = lxml.html.fromstring(html)
        page_ids = set(document.xpath("//*/@id"))
        for element in document.xpath("//*[@hx-get]"):
            url = element.get("hx-get")
            if "/edit" not in url or url in opened or element.get("hx-swap") == "none":
                continue
            opened.add(url)
            target = (element.get("hx-target") or "").removeprefix("#")
            replaced = {target, *(document.xpath(f"//*[@id='{target}']//@id") if target else [])}
            editor = client.get(url, headers={"HX-Request": "true"})
            assert editor.status_code == 200, url
            ids = set(lxml.html.fromstring(f"<div>{editor.get_data(as_text=True)}</div>").xpath("//*/@id"))
            if (ids & page_ids) - replaced:
                clashes.append((path, url, sorted((ids & page_ids) - replaced)))
    assert opened, "no editor opened in place was found"
    assert clashes == []


def test_a_deployment_gets_no_demo_accounts_unless_asked(app, monkeypatch):
    """QA: following the deployment guide, `make run` loaded the demo into the school's empty database, a site
    administrator with the README's password among its accounts."""
    app.config["BASE_URL"] = "https://plc.school.edu.tw"
    result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "No demo data: BASE_URL is https://plc.school.edu.tw" in result.output
    assert demo.DEMO_PASSWORD not in result.output
    with app.app_context():
        assert _count(Community) == 0 and not demo.demo_accounts_exist()
    monkeypatch.setenv("DEMO_DATA", "1")  # asked for: loaded, with a warning and the way to lock them
    result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert "Demo data loaded." in result.output
    assert "WARNING: the demo accounts can log in at https://plc.school.edu.tw" in result.output
    assert "lock-demo-accounts" in result.output


def test_demo_data_0_loads_nothing_even_on_this_machine(app, monkeypatch):
    app.config["BASE_URL"] = "http://localhost:5000"
    monkeypatch.setenv("DEMO_DATA", "0")
    result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert "No demo data (DEMO_DATA=0)." in result.output
    with app.app_context():
        assert _count(Community) == 0


def test_locked_demo_accounts_cannot_log_in_and_their_records_stay(app, client, ctx):
    demo.load_demo_data()
    db.session.commit()
    email = next(person.email for person in demo.PEOPLE if person.key == "admin")
    result = app.test_cli_runner().invoke(args=["lock-demo-accounts"])
    assert result.exit_code == 0 and f"Demo accounts locked: {len(demo.PEOPLE)}." in result.output
    db.session.expire_all()
    assert not demo.demo_accounts_exist() and _count(Community) == 3
    response = client.post_form("/login", {"email": email, "password": demo.DEMO_PASSWORD})
    assert response.status_code != 302
    again = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert demo.DEMO_PASSWORD not in again.output  # no logins printed for accounts that cannot log in
