// Drafts live in localStorage (they must survive closing the tab); never the session token.
// On a shared computer several students may write here, so each signed-in student's draft has
// its own entry, under their user id; answers typed signed out go to the entry of nobody yet
// (owner null) until someone signs in and takes them.

const DRAFT = "reflection-draft";

const entry = (owner) => (owner === null ? DRAFT : `${DRAFT}:${owner}`);

export function readDraft(owner) {
  try {
    return JSON.parse(localStorage.getItem(entry(owner)));
  } catch {
    return null; // an unreadable draft is as good as none
  }
}

export function writeDraft(draft, owner) {
  const savedAt = new Date();
  localStorage.setItem(entry(owner), JSON.stringify({ ...draft, savedAt: savedAt.toISOString() }));
  return savedAt;
}

export function clearDraft(owner) {
  localStorage.removeItem(entry(owner));
}

// Answers typed signed out become the draft of the student who signs in (replacing theirs).
export function giveDraft(owner) {
  localStorage.setItem(entry(owner), localStorage.getItem(entry(null)));
  clearDraft(null);
}

// HH:MM on the 24-hour clock, the same in both languages.
export function clockTime(moment) {
  const pad = (value) => String(value).padStart(2, "0");
  return `${pad(moment.getHours())}:${pad(moment.getMinutes())}`;
}
