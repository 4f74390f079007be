"""Every text the reflection page shows, keyed the way the page asks for it.

The key is the message context, the English text the message id, so the texts sit in the same
Babel catalogues as the API's and translators see them with everything else. `flask i18n
compile` writes them out as reflection_page/i18n/<language>.json (see app/cli/i18n.py); the page
itself carries no text of its own. `{name}` placeholders are filled in by the page.
"""

from app.core.i18n import page_text

PAGE_TEXTS = dict((
    page_text("page.title", "End-of-module reflection"),
    page_text("page.intro", "Tell us how the module went. Your answers help us improve it for "
                            "the next students."),
    page_text("page.draft_note", "You can write before signing in: your draft is kept on this "
                                 "device as you type."),
    page_text("lang.switch", "Français"),
    page_text("signin.heading", "Sign in"),
    page_text("signin.email", "Email"),
    page_text("signin.email_placeholder", "name@university.edu"),
    page_text("signin.password", "Password"),
    page_text("signin.submit", "Sign in"),
    page_text("signin.signed_in_as", "Signed in as {name}."),
    page_text("signin.signout", "Sign out"),
    page_text("signin.failed", "Sign-in failed: check your email and password."),
    page_text("signin.not_student", "Only student accounts can submit reflections."),
    page_text("form.heading", "Your reflection"),
    page_text("offering.label", "Offering"),
    page_text("offering.choose", "Choose an offering"),
    page_text("offering.signed_out", "Sign in to choose one of your offerings."),
    page_text("offering.none", "You are not enrolled in any offering yet."),
    page_text("offering.option", "{module}: {name} (trimester {trimester}, {year})"),
    page_text("offering.reviewed", "{module}: {name} (trimester {trimester}, {year}), already "
                                   "reviewed"),
    page_text("offering.all_reviewed", "You have reviewed every offering you are enrolled in. "
                                       "Thank you!"),
    page_text("went_well.label", "What went well?"),
    page_text("went_well.placeholder", "For example: a topic that clicked, a helpful session…"),
    page_text("hardest.label", "What was hardest?"),
    page_text("hardest.placeholder", "For example: a concept, the workload, a tool…"),
    page_text("would_help.label", "What would help next time?"),
    page_text("would_help.placeholder", "For example: more examples, earlier feedback…"),
    page_text("answer.hint", "Between {min} and {max} characters."),
    page_text("rating.legend", "Overall rating"),
    page_text("rating.1", "Poor"),
    page_text("rating.2", "Fair"),
    page_text("rating.3", "Good"),
    page_text("rating.4", "Very good"),
    page_text("rating.5", "Excellent"),
    page_text("action.submit", "Submit my reflection"),
    page_text("action.download", "Download my reflection"),
    page_text("action.clear", "Clear draft"),
    page_text("confirm.clear", "Clear your draft? What you wrote will be lost."),
    page_text("error.summary", "Please correct the fields marked below."),
    page_text("error.required", "Please answer this question."),
    page_text("error.too_short", "Write at least {min} characters (now {count})."),
    page_text("error.too_long", "Write at most {max} characters (now {count})."),
    page_text("error.rating", "Choose a rating from 1 to 5."),
    page_text("error.offering", "Choose the offering you are reflecting on."),
    page_text("error.email", "Enter your email address."),
    page_text("error.password", "Enter your password."),
    page_text("status.draft_saved", "Draft saved at {time}."),
    page_text("status.draft_restored", "Your draft from {time} has been restored."),
    page_text("status.draft_cleared", "Draft cleared."),
    page_text("status.sending", "Sending…"),
    page_text("status.submitted", "Thank you! Your reflection has been submitted."),
    page_text("status.offline", "The server cannot be reached. Your draft is kept on this "
                                "device: submit again when you are back online."),
    page_text("status.signed_out", "Sign in to submit. Your draft is kept on this device."),
    page_text("status.session_ended", "Your session has ended. Sign in again; your draft is "
                                      "kept."),
    page_text("status.duplicate", "You have already submitted a reflection for this offering."),
    page_text("status.refused", "The reflection was not accepted: {message}"),
    page_text("download.written", "Written on {date}"),
    page_text("download.filename", "reflection.txt"),
))  # fmt: skip
