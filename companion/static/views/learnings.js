// Key learnings at the learning review: up to three each, private to the person who wrote them.
// They come in the server's `private` message, never in the meeting's shared snapshot.
import { commandButton, el, fill, setText, show } from "../dom.js";

export const LEARNINGS_MAX = 3;

const writesLearnings = (ctx) => ctx.meeting.phase === "learning_review" && ctx.you.role !== "observer";

export function renderLearnings(ctx) {
  const visible = writesLearnings(ctx);
  show("learnings", visible);
  if (!visible) return;
  const learnings = ctx.learnings;
  fill("learning-list", learnings.map((learning) => el("li", { className: "item" }, [
    el("span", { text: learning.text }),
    commandButton("Remove", "remove_learning", {
      args: { learning_id: learning.id }, className: "small secondary", label: `Remove the learning: ${learning.text}`,
    }),
  ])));
  const room = LEARNINGS_MAX - learnings.length;
  show("learning-form", room > 0);
  setText("learning-room", room === LEARNINGS_MAX ? `(up to ${LEARNINGS_MAX})` : `(${room} more)`);
}
