"""Every text the managers' dashboard shows, keyed the way the page asks for it.

As for the other pages (app/activity/page_texts.py): the key is the message context, the English
text the message id; `flask i18n compile` writes them out as admin_dashboard/i18n/<language>.json.
`{name}` placeholders are filled in by the page.
"""

from app.core.i18n import page_text

PAGE_TEXTS = dict((
    page_text("page.title", "Compliance dashboard"),
    page_text("lang.switch", "Français"),
    page_text("signin.heading", "Sign in"),
    page_text("signin.email", "Email"),
    page_text("signin.password", "Password"),
    page_text("signin.submit", "Sign in"),
    page_text("signin.sending", "Signing in…"),
    page_text("signin.signout", "Sign out"),
    page_text("signin.signed_in_as", "Signed in as {name}."),
    page_text("signin.failed", "Sign-in failed: {message}"),
    page_text("signin.not_manager", "This dashboard is for managers only."),
    page_text("period.year", "Year"),
    page_text("period.trimester", "Trimester"),
    page_text("period.show", "Show"),
    page_text("heatmap.heading", "Weekly logs by facilitator"),
    page_text("heatmap.caption", "Trimester {trimester}, {year}: one row per facilitator, one "
                                 "column per teaching week. Focus or hover over a cell to see its "
                                 "counts."),
    page_text("heatmap.facilitator", "Facilitator"),
    page_text("heatmap.week", "Week {week}"),
    page_text("heatmap.cell", "{name}, week {week}: {counts}"),
    page_text("heatmap.none", "No log was due for this week."),
    page_text("heatmap.empty", "No weekly log has been due yet in this trimester."),
    page_text("legend.label", "Legend"),
    page_text("outcome.submitted_on_time", "On time"),
    page_text("outcome.submitted_late", "Late"),
    page_text("outcome.incomplete", "Incomplete"),
    page_text("outcome.missing", "Missing"),
    page_text("count", "{label}: {count}"),
    page_text("totals", "Logs due: {due}. On time: {on_time}, late: {late}, incomplete: "
                        "{incomplete}, missing: {missing}."),
    page_text("workload.heading", "Facilitator workload"),
    page_text("workload.caption", "Trimester {trimester}, {year}: offerings each facilitator "
                                  "carries against their maximum, their students, weekly logs and "
                                  "students at risk."),
    page_text("workload.facilitator", "Facilitator"),
    page_text("workload.offerings", "Offerings"),
    page_text("workload.load", "{count} of {maximum}"),
    page_text("workload.room_left", "Room left"),
    page_text("workload.full", "None (full)"),
    page_text("workload.students", "Students"),
    page_text("workload.due", "Logs due"),
    page_text("workload.missing", "Missing"),
    page_text("workload.late", "Late"),
    page_text("workload.at_risk", "At risk"),
    page_text("workload.none", "No active facilitator."),
    page_text("unstaffed.heading", "Unstaffed offerings"),
    page_text("unstaffed.module", "Module"),
    page_text("unstaffed.class", "Class"),
    page_text("unstaffed.intake", "Intake"),
    page_text("unstaffed.starts", "Starts"),
    page_text("unstaffed.why", "Reason"),
    page_text("unstaffed.unassigned", "No facilitator assigned"),
    page_text("unstaffed.deactivated", "Facilitator deactivated"),
    page_text("unstaffed.none", "Every offering of this trimester has an active facilitator."),
    page_text("queues.heading", "Queue health"),
    page_text("queues.caption", "Background jobs per queue: e-mail delivery and the periodic "
                                "sweeps."),
    page_text("queues.queue", "Queue"),
    page_text("queues.queued", "Waiting"),
    page_text("queues.started", "Running"),
    page_text("queues.failed", "Failed"),
    page_text("queues.scheduled", "Scheduled"),
    page_text("queues.embedded", "Jobs run inline in the web process (no Redis configured): there "
                                 "is no worker."),
    page_text("queues.no_workers", "No worker is alive: queued jobs are waiting."),
    page_text("queues.workers", "Workers alive: {alive} of {count}. Last heartbeat: {time}."),
    page_text("queues.requeue", "Requeue failed jobs"),
    page_text("queues.requeued", "Failed jobs requeued: {count}."),
    page_text("queues.unavailable", "Queue health is unavailable: {message}"),
    page_text("status.loading", "Loading…"),
    page_text("status.loaded", "Updated at {time}."),
    page_text("status.offline", "The server cannot be reached. Try again shortly."),
    page_text("status.session_ended", "Your session has ended. Sign in again."),
    page_text("status.failed", "The data could not be loaded: {message}"),
))  # fmt: skip
