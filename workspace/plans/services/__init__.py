"""Co-planning rules (集體備課): templates, plans, section saves and their merges, history and diffs,
comments, status, adaptations (二次備課), lessons taught and reflections, links, publishing and search.

Services take the actor explicitly, raise domain errors, flush but never commit.

One module per topic; this package re-exports their public names, so callers write `services.save_section`
or `from workspace.plans.services import STATUS_LABELS` without knowing the module:

- `merge`: reconciling a section save with the saves made since it started (diff3), no database.
- `templates`: a community's plan templates and their sections.
- `plans`: a plan's fields, creating a plan from a template, updating and loading it and its sections.
- `sections`: saving, restoring and assigning a section; presence (who has which section open).
- `history`: a section's and a plan's history, the text at a moment, line and word diffs.
- `comments`: comments on sections, open counts, resolving.
- `adaptations`: adaptations (二次備課) and the shared plan's changes, lessons taught, reflections, a new round.
- `linking`: a plan's links to resources, the planning meeting and observations.
- `publishing`: status and its transitions, the whole plan as Markdown, publishing, trash and restore.
- `listing`: lists of plans, a person's adaptations, the search documents and plan search.
- `_common`: limits, the default sections, labels, section titles, guidance and paths (shared by all).
- `_writing`: the private helpers that write sections, shared by `plans`, `sections` and `adaptations`.
- `notices`: what a notice about a plan keeps (a built-in section's key, not its name in the actor's language) and
  how each reader reads it (registered with the notifications area).

The modules import each other directly (never this `__init__`), in one direction: `_common` first, then
`notices`, `listing` and `_writing`, then the topics.
"""

from __future__ import annotations

from workspace.plans.services._common import (
    DEFAULT_SECTIONS,
    HISTORY_PER_PAGE,
    HOW_LABELS,
    MAX_CLASS,
    MAX_COMMENT,
    MAX_GUIDANCE,
    MAX_LINE,
    MAX_REFLECTION,
    MAX_SECTION_TITLE,
    MAX_TEMPLATE_NAME,
    MAX_TEMPLATE_SECTIONS,
    MAX_TOPIC,
    PER_PAGE,
    PLAN_KIND,
    PRESENCE_SECONDS,
    STATUS_LABELS,
    max_section_length,
    section_guidance,
    section_path,
    section_title,
)
from workspace.plans.services._writing import check_editable
from workspace.plans.services.adaptations import (
    SectionChange,
    adapt,
    adaptation_by,
    adaptations_of,
    check_lesson,
    lessons_of,
    mark_shared_taken,
    next_round_of,
    record_lesson,
    reflections_for,
    section_changes,
    start_new_round,
    take_shared_changes,
    update_lesson,
)
from workspace.plans.services.comments import (
    add_comment,
    comments_of,
    open_comment_counts,
    set_resolved,
)
from workspace.plans.services.history import (
    WORD_DIFF_LIMIT,
    WORD_DIFF_SIMILARITY,
    DiffLine,
    HistoryPage,
    diff_lines,
    document_history,
    revisions_at,
    section_history,
)
from workspace.plans.services.linking import (
    CHOICES_LIMIT,
    LINK_ROLES,
    PLAN_ROLES,
    LinkedItem,
    link_choices,
    link_target,
    links_of,
    plans_linked_to,
    unlink,
)
from workspace.plans.services.listing import (
    PlanHit,
    PlanPage,
    PlanRow,
    list_plans,
    my_adaptations,
    reindex,
    search_plans,
)
from workspace.plans.services.merge import (
    ConflictRegion,
    MergeResult,
    SaveOutcome,
    merge_texts,
    reconcile,
)
from workspace.plans.services.plans import (
    CheckedPlanFields,
    PlanFields,
    check_fields,
    create_plan,
    load_plan,
    load_section,
    load_template,
    plan_members,
    sections_of,
    update_fields,
)
from workspace.plans.services.publishing import (
    TRANSITIONS,
    PublishedCopy,
    field_rows,
    next_statuses,
    pictures_hidden_from_copy,
    plan_markdown,
    publish,
    published_copy,
    published_language,
    restore_plan,
    set_status,
    trash_plan,
)
from workspace.plans.services.sections import (
    SectionSave,
    assign_section,
    editors_now,
    leave_section,
    restore_revision,
    revision_body,
    save_section,
    touch_section,
)
from workspace.plans.services.templates import (
    add_template_section,
    create_template,
    delete_template,
    delete_template_section,
    move_template_section,
    rename_template,
    templates_of,
    update_template_section,
)

__all__ = [
    "CHOICES_LIMIT",
    "DEFAULT_SECTIONS",
    "HISTORY_PER_PAGE",
    "HOW_LABELS",
    "LINK_ROLES",
    "MAX_CLASS",
    "MAX_COMMENT",
    "MAX_GUIDANCE",
    "MAX_LINE",
    "MAX_REFLECTION",
    "MAX_SECTION_TITLE",
    "MAX_TEMPLATE_NAME",
    "MAX_TEMPLATE_SECTIONS",
    "MAX_TOPIC",
    "PER_PAGE",
    "PLAN_KIND",
    "PLAN_ROLES",
    "PRESENCE_SECONDS",
    "STATUS_LABELS",
    "TRANSITIONS",
    "WORD_DIFF_LIMIT",
    "WORD_DIFF_SIMILARITY",
    "CheckedPlanFields",
    "ConflictRegion",
    "DiffLine",
    "HistoryPage",
    "LinkedItem",
    "MergeResult",
    "PlanFields",
    "PlanHit",
    "PlanPage",
    "PlanRow",
    "PublishedCopy",
    "SaveOutcome",
    "SectionChange",
    "SectionSave",
    "adapt",
    "adaptation_by",
    "adaptations_of",
    "add_comment",
    "add_template_section",
    "assign_section",
    "check_editable",
    "check_fields",
    "check_lesson",
    "comments_of",
    "create_plan",
    "create_template",
    "delete_template",
    "delete_template_section",
    "diff_lines",
    "document_history",
    "editors_now",
    "field_rows",
    "leave_section",
    "lessons_of",
    "link_choices",
    "link_target",
    "links_of",
    "list_plans",
    "load_plan",
    "load_section",
    "load_template",
    "mark_shared_taken",
    "max_section_length",
    "merge_texts",
    "move_template_section",
    "my_adaptations",
    "next_round_of",
    "next_statuses",
    "open_comment_counts",
    "pictures_hidden_from_copy",
    "plan_markdown",
    "plan_members",
    "plans_linked_to",
    "publish",
    "published_copy",
    "published_language",
    "reconcile",
    "record_lesson",
    "reflections_for",
    "reindex",
    "rename_template",
    "restore_plan",
    "restore_revision",
    "revision_body",
    "revisions_at",
    "save_section",
    "search_plans",
    "section_changes",
    "section_guidance",
    "section_history",
    "section_path",
    "section_title",
    "sections_of",
    "set_resolved",
    "set_status",
    "start_new_round",
    "take_shared_changes",
    "templates_of",
    "touch_section",
    "trash_plan",
    "unlink",
    "update_fields",
    "update_lesson",
    "update_template_section",
]
