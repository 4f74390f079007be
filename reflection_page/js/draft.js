// The draft lives in localStorage (it must survive closing the tab); never the session token.

const DRAFT = "reflection-draft";

export function readDraft() {
  try {
    return JSON.parse(localStorage.getItem(DRAFT));
  } catch {
    return null; // an unreadable draft is as good as none
  }
}

export function writeDraft(draft) {
  const savedAt = new Date();
  localStorage.setItem(DRAFT, JSON.stringify({ ...draft, savedAt: savedAt.toISOString() }));
  return savedAt;
}

export function clearDraft() {
  localStorage.removeItem(DRAFT);
}

// HH:MM on the 24-hour clock, the same in both languages.
export function clockTime(moment) {
  const pad = (value) => String(value).padStart(2, "0");
  return `${pad(moment.getHours())}:${pad(moment.getMinutes())}`;
}
