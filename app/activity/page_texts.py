"""Every text the facilitator's page shows, keyed the way the page asks for it.

As for the reflection page (app/reflections/page_texts.py): the key is the message context, the
English text the message id; `flask i18n compile` writes them out as
facilitator_page/i18n/<language>.json. `{name}` placeholders are filled in by the page.
"""

from app.core.i18n import page_text

PAGE_TEXTS = dict((
    page_text("page.title", "Weekly activity logs"),
    page_text("page.intro", "File each week's log for the offerings you facilitate: the "
                            "checklist, the attendance and your notes."),
    page_text("lang.switch", "Français"),
    page_text("connection.offline", "You are offline. What you type is kept on this device and "
                                    "can be saved once you are back online."),
    page_text("signin.heading", "Sign in"),
    page_text("signin.email", "Email"),
    page_text("signin.password", "Password"),
    page_text("signin.submit", "Sign in"),
    page_text("signin.sending", "Signing in…"),
    page_text("signin.signed_in_as", "Signed in as {name}."),
    page_text("signin.signout", "Sign out"),
    page_text("signin.failed", "Sign-in failed: {message}"),
    page_text("signin.not_staff", "This page is for facilitators and managers. Student "
                                  "accounts cannot sign in here."),
    page_text("error.email", "Enter your email address."),
    page_text("error.password", "Enter your password."),
    page_text("manager.label", "Facilitator"),
    page_text("manager.hint", "As a manager you see the weeks of the facilitator you choose and "
                              "may file on their behalf."),
    page_text("manager.choose", "Choose a facilitator"),
    page_text("weeks.heading", "My weeks"),
    page_text("weeks.trimester", "Trimester"),
    page_text("weeks.period", "Trimester {trimester}, {year}"),
    page_text("weeks.none", "No offering is allocated to you in this trimester."),
    page_text("weeks.no_offerings", "No offering is allocated to you yet."),
    page_text("weeks.loading", "Loading your weeks…"),
    page_text("weeks.zone", "Deadlines are shown in the institution's time zone ({zone})."),
    page_text("weeks.zone_both", "Deadlines are shown in the institution's time zone ({zone}) "
                                 "and in yours ({own})."),
    page_text("offering.heading", "{code}: {name}"),
    page_text("offering.details", "Class {class}, {cohort}, intake {intake}"),
    page_text("week.label", "Week {week}"),
    page_text("week.due", "Due {due}"),
    page_text("week.due_both", "Due {due} (your time: {own})"),
    page_text("state.not_yet_due", "Not yet due"),
    page_text("state.due_soon", "Due soon"),
    page_text("state.overdue", "Overdue"),
    page_text("state.filed", "Filed"),
    page_text("state.filed_late", "Filed late"),
    page_text("state.incomplete", "Incomplete"),
    page_text("state.locked", "Locked"),
    page_text("at_risk.heading", "Students at risk"),
    page_text("at_risk.none", "No student of this offering is at risk."),
    page_text("at_risk.student", "{name}: {reasons} (attendance {rate}%)"),
    page_text("at_risk.low_attendance", "low attendance"),
    page_text("at_risk.consecutive_absences", "absent several weeks in a row"),
    page_text("at_risk.two_reasons", "{first} and {second}"),
    page_text("at_risk.marker", "At risk"),
    page_text("at_risk.show", "Show {name} on the roster"),
    page_text("editor.heading", "{code}, week {week}"),
    page_text("editor.new", "No log has been filed for this week yet."),
    page_text("editor.filed", "Filed on {submitted}."),
    page_text("editor.locked", "This log has been read-only to its facilitator since {date}. "
                               "Ask a manager to correct it."),
    page_text("editor.locked_manager", "This log has been read-only to its facilitator since "
                                       "{date}; as a manager you may still correct it."),
    page_text("editor.read_only", "This week's log can no longer be filed or changed here."),
    page_text("editor.on_behalf", "You are filing on behalf of the offering's facilitator."),
    page_text("editor.close", "Back to my weeks"),
    page_text("checklist.legend", "Checklist"),
    page_text("item.formative_one_grading", "Formative 1 grading"),
    page_text("item.formative_two_grading", "Formative 2 grading"),
    page_text("item.summative_grading", "Summative grading"),
    page_text("item.course_moderation", "Course moderation"),
    page_text("item.intranet_sync", "Intranet sync"),
    page_text("item.grade_book_status", "Grade book"),
    page_text("status.Done", "Done"),
    page_text("status.Pending", "Pending"),
    page_text("status.Not Started", "Not started"),
    page_text("roster.legend", "Attendance"),
    page_text("roster.all_present", "Mark all present"),
    page_text("roster.empty", "No student was enrolled during this week."),
    page_text("roster.count", "Present: {present}, absent: {absent}, excused: {excused}, "
                              "not taken: {untaken}"),
    page_text("attendance.present", "Present"),
    page_text("attendance.absent", "Absent"),
    page_text("attendance.excused", "Excused"),
    page_text("notes.label", "Notes"),
    page_text("notes.hint", "Optional. Anything a manager should know about this week."),
    page_text("action.save", "Save the log"),
    page_text("action.discard", "Discard my draft"),
    page_text("draft.saved", "Draft kept on this device at {time}."),
    page_text("draft.restored", "Your unsaved changes from {time} have been restored."),
    page_text("draft.discarded", "Draft discarded."),
    page_text("draft.read_only", "Your unsaved changes from {time} are shown here, but this week "
                                 "can no longer be saved from this page: ask a manager to "
                                 "correct the log with them, then discard them to see the log "
                                 "as it is saved."),
    page_text("save.sending", "Saving…"),
    page_text("save.done", "Week {week} saved."),
    page_text("save.offline", "The server cannot be reached. Your changes are kept on this "
                              "device: save again when you are back online."),
    page_text("save.refused", "The log was not saved: {message}"),
    page_text("save.fix", "The log was not saved: correct the fields marked below."),
    page_text("save.session_ended", "Your session has ended. Sign in again; your changes are "
                                    "kept on this device."),
    page_text("conflict.heading", "Someone else changed this log"),
    page_text("conflict.intro", "While you were editing, the log was saved by someone else. "
                                "Here is what they changed:"),
    page_text("conflict.change", "{field}: now {theirs}, you had {yours}"),
    page_text("conflict.reapply", "Re-apply my edits"),
    page_text("conflict.theirs", "Keep their version"),
    page_text("conflict.reapplied", "Your edits are back on the form over the latest version. "
                                    "Check them, then save."),
    page_text("value.empty", "(empty)"),
    page_text("calendar.heading", "Calendar"),
    page_text("calendar.intro", "Subscribe to your log deadlines in your calendar app. The link "
                                "is secret: anyone who has it can read your deadlines."),
    page_text("calendar.create", "Get my subscription link"),
    page_text("calendar.reset", "Reset the link"),
    page_text("calendar.revoke", "Stop the subscription"),
    page_text("calendar.url", "Subscription link"),
    page_text("calendar.created", "Here is your new link. Copy it now: it is shown only once, "
                                  "and any earlier link has stopped working."),
    page_text("calendar.revoked", "The subscription has stopped: the link no longer works."),
    page_text("calendar.none", "You had no subscription link."),
    page_text("status.loading_failed", "Could not load: {message}"),
))  # fmt: skip
