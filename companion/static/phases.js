// Names shown on screen. The guidance under each name comes from the server's `guide`.
export const PHASE_LABELS = {
  opening: "Opening",
  check_in: "Check-in",
  bidding: "Bidding",
  work: "Work",
  closing_round: "Closing round",
  learning_review: "Learning review",
  closed: "Closed",
};

export const STAGE_LABELS = {
  presenting: "Presenting",
  clarifying: "Clarifying questions",
  open_questions: "Open questions",
  actions: "Actions",
};

export const TIMER_LABELS = {
  meeting: "Meeting",
  phase: "Work time",
  speaker: "Speaker",
  silence: "Silence",
};

export const ROLE_LABELS = {
  facilitator: "facilitator",
  co_facilitator: "co-facilitator",
  member: "",
  observer: "observer",
};
