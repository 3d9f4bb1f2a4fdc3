// After its first snapshot, a widget (or the stage view) is sent each change as a patch from the
// version before (docs/protocol.md, companion/domain/patches.py). This module applies one to the
// meeting held, or says why it cannot: then the holder asks for a whole snapshot (`sync`).

export class PatchDoesNotApply extends Error {}

const PARTS = new Set(["set", "unset", "splice"]);
const HEADER = new Set(["type", "version", "from"]);

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const isCount = (value) => Number.isInteger(value) && value >= 0;

function refuse(why) {
  throw new PatchDoesNotApply(why);
}

function spliced(items, edits) {
  if (!Array.isArray(items) || !Array.isArray(edits)) refuse("splice edits a list the meeting has");
  const result = items.slice();
  for (const edit of edits) {
    if (!Array.isArray(edit) || edit.length !== 3 || !Array.isArray(edit[2])) refuse("an edit is [start, count, items]");
    const [start, count, inserted] = edit;
    if (!isCount(start) || !isCount(count) || start + count > result.length) refuse("an edit reaches past the end");
    result.splice(start, count, ...inserted);
  }
  return result;
}

// The meeting with the patch applied, as a new object: the one held is left as it was, so what
// changed can still be told (announcements compare the two). Throws PatchDoesNotApply.
export function applyPatch(meeting, patch) {
  if (!isObject(meeting) || !isObject(patch)) refuse("a meeting and a patch are objects");
  if (Object.keys(patch).some((key) => !PARTS.has(key) && !HEADER.has(key))) refuse("a part it does not know");
  const changed = patch.set === undefined ? {} : patch.set;
  const gone = patch.unset === undefined ? [] : patch.unset;
  const edited = patch.splice === undefined ? {} : patch.splice;
  if (!isObject(changed) || !Array.isArray(gone) || !isObject(edited)) refuse("a part of the wrong kind");
  const named = [...Object.keys(changed), ...gone, ...Object.keys(edited)];
  if (new Set(named).size !== named.length) refuse("a key named twice");
  const result = { ...meeting, ...changed };
  for (const key of gone) {
    if (typeof key !== "string" || !Object.prototype.hasOwnProperty.call(result, key)) refuse("unset names a key the meeting lacks");
    delete result[key];
  }
  for (const [key, edits] of Object.entries(edited)) result[key] = spliced(result[key], edits);
  return result;
}

// What a patch makes of the meeting held at `version`: {meeting} to show from now on, {stale}
// for one already held, or {resync} for a gap or a patch that does not apply.
export function followPatch(version, meeting, patch) {
  if (!Number.isInteger(patch.version) || patch.version <= version) return { stale: true };
  if (meeting === null || patch.from !== version) return { resync: true };
  try {
    return { meeting: applyPatch(meeting, patch) };
  } catch (error) {
    if (error instanceof PatchDoesNotApply) return { resync: true };
    throw error;
  }
}

// The one way a widget or the stage view keeps up with its meeting: a whole snapshot, then a
// patch for each change. A jump in versions means some were lost on the way, and a patch that
// does not follow cannot apply: either asks for the whole state (`resync`). What is heard before
// the holder is ready (welcomed) is remembered by its version only, so an older first snapshot is
// known to be behind. `held()` gives the {version, meeting} shown now; `show` shows the next.
export function meetingFollower({ ready, held, show, resync }) {
  let heardAhead = 0;
  const remember = (version) => {
    heardAhead = Math.max(heardAhead, Number(version) || 0);
  };
  return {
    snapshot(message) {
      if (!ready()) return remember(message.version);
      const { version, meeting } = held();
      if (message.version < version) return; // stale: two broadcasts overtook each other
      const gap = (meeting !== null && message.version > version + 1) || heardAhead > message.version;
      heardAhead = 0;
      show(message.version, message.meeting);
      if (gap) resync();
    },
    patch(message) {
      const { version, meeting } = held();
      if (!ready() || meeting === null) return remember(message.version);
      const next = followPatch(version, meeting, message);
      if (next.meeting) show(message.version, next.meeting);
      else if (next.resync) resync();
    },
    forget() {
      heardAhead = 0;
    },
  };
}
