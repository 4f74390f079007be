// Unsaved weeks live in localStorage (they must survive a reload, a closed tab, a sign-out and
// a dropped connection), one entry per user, offering and week; never a token. A draft holds
// the form's values, and the version of the log they were typed over (its ETag and values),
// so a later save can tell what someone else changed meanwhile.

const PREFIX = "facilitator-draft";

const entry = (user, offering, week) => `${PREFIX}:${user}:${offering}:${week}`;

export function readDraft(user, offering, week) {
  try {
    return JSON.parse(localStorage.getItem(entry(user, offering, week)));
  } catch {
    return null; // an unreadable draft is as good as none
  }
}

export function writeDraft(user, offering, week, draft) {
  const savedAt = new Date();
  localStorage.setItem(
    entry(user, offering, week),
    JSON.stringify({ ...draft, savedAt: savedAt.toISOString() }),
  );
  return savedAt;
}

export function clearDraft(user, offering, week) {
  localStorage.removeItem(entry(user, offering, week));
}

// HH:MM on the 24-hour clock, the same in both languages.
export function clockTime(when) {
  const pad = (number) => String(number).padStart(2, "0");
  return `${pad(when.getHours())}:${pad(when.getMinutes())}`;
}
