"""What a meeting of an action learning set holds. Plain dataclasses: the rules live elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from companion.domain.default_contract import DEFAULT_CONTRACT


class Role(StrEnum):
    FACILITATOR = "facilitator"  # the lead: exactly one per set, can hand over
    CO_FACILITATOR = "co_facilitator"  # the same powers, appointed by a facilitator
    MEMBER = "member"  # takes part in rounds, bids and questions; the presenter is a member
    OBSERVER = "observer"  # sees everything, takes part in nothing


FACILITATION = frozenset({Role.FACILITATOR, Role.CO_FACILITATOR})


class Status(StrEnum):
    """Where someone stands on the set's roster."""

    ACTIVE = "active"  # in the set: their link opens its meetings
    WAITING = "waiting"  # asked to join; sees nothing of the set until a facilitator lets them in
    REMOVED = "removed"  # taken off by a facilitator; only a facilitator can let them back in


class Arrival(StrEnum):
    """How someone came to the set, as the lobby shows it to facilitators."""

    FOUNDED = "founded"  # created the set
    INVITE = "invite"  # opened the invite link
    QR = "qr"  # scanned the invite's QR code in the room
    TEAMS = "teams"  # opened the set's tab in a Teams meeting


class Admission(StrEnum):
    """What happens to someone new who opens the invite."""

    ASK = "ask"  # they wait in the lobby until a facilitator lets them in
    OPEN = "open"  # they join at once


class Phase(StrEnum):
    OPENING = "opening"
    CHECK_IN = "check_in"
    BIDDING = "bidding"
    WORK = "work"
    CLOSING_ROUND = "closing_round"
    LEARNING_REVIEW = "learning_review"
    CLOSED = "closed"


class WorkStage(StrEnum):
    PRESENTING = "presenting"
    CLARIFYING = "clarifying"
    OPEN_QUESTIONS = "open_questions"
    ACTIONS = "actions"


class BidStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WORKING = "working"
    DONE = "done"


class Allocation(StrEnum):
    EQUAL = "equal"  # the remaining time split evenly between the accepted bids
    ASKED = "asked"  # each gets what they asked for, scaled down if it does not all fit


class RoundKind(StrEnum):
    CHECK_IN = "check_in"
    CLOSING = "closing"
    LEARNING_REVIEW = "learning_review"


class ActionStatus(StrEnum):
    """Where an action stands when its owner reports back on it at a later meeting."""

    OPEN = "open"  # not reported on yet
    DONE = "done"
    IN_PROGRESS = "in_progress"
    CHANGED = "changed"
    DROPPED = "dropped"


class Outcome(StrEnum):
    DONE = "done"
    PASSED = "passed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Identity:
    """Who Microsoft Entra ID says someone is, from a verified Teams sign-in: the same person in
    any device, under any display name."""

    tenant_id: str
    object_id: str


@dataclass
class RosterEntry:
    """One person in a set: the only place their name, role and standing are kept."""

    id: str
    name: str  # empty only for someone removed who has since deleted their data
    role: Role = Role.MEMBER
    status: Status = Status.ACTIVE
    came_by: Arrival = Arrival.INVITE
    identity: Identity | None = None
    # While waiting: when they asked (the lobby's order) and when the request lapses.
    asked_at_ms: int | None = None
    expires_at_ms: int | None = None
    # Asking again after a facilitator removed them, under ``former_name`` if they changed it.
    removed_before: bool = False
    former_name: str = ""
    # The meetings they attended, by id, oldest first: kept here, on the set's own record of its
    # people, so it lasts as long as the set and goes when they delete their data.
    attended: list[str] = field(default_factory=list)


@dataclass
class Roster:
    """Everyone who belongs to a set, waits to, or was removed from it; versioned on its own, so
    the facilitators' view of it can tell old news from new."""

    set_id: str = ""
    version: int = 0
    admission: Admission = Admission.ASK
    entries: dict[str, RosterEntry] = field(default_factory=dict)


@dataclass
class Participant:
    """Someone's presence in this meeting. ``connections`` holds opaque ids, one per open widget.
    Who they are (name, role, standing) is the roster's to say."""

    id: str
    joined_at: float
    connections: list[str] = field(default_factory=list)

    @property
    def online(self) -> bool:
        return bool(self.connections)


@dataclass
class Bid:
    id: str
    participant_id: str
    title: str  # may be empty: the issue can stay private
    minutes: int
    arrived_ms: int  # server time; breaks ties in the queue
    status: BidStatus = BidStatus.PENDING
    share_title: bool = False  # whether the meeting's summary may name the issue


@dataclass
class Round:
    """A speaking round. ``order`` keeps everyone's place, even while they are away."""

    kind: RoundKind
    order: list[str]
    current: str | None = None
    outcomes: dict[str, Outcome] = field(default_factory=dict)


@dataclass
class Work:
    """One presenter's time: the stage, the raise-hand queue, and who has asked already."""

    bid_id: str
    presenter_id: str
    stage: WorkStage = WorkStage.PRESENTING
    hands: list[str] = field(default_factory=list)  # the queue, in the order it will be called
    asked: list[str] = field(default_factory=list)  # called on at least once in this work period
    questioner: str | None = None


@dataclass(frozen=True)
class Timer:
    """A deadline in server epoch milliseconds; while paused, the time that was left instead."""

    deadline_ms: int | None = None
    remaining_ms: int | None = None

    @property
    def paused(self) -> bool:
        return self.deadline_ms is None


@dataclass(frozen=True)
class Action:
    """Something a presenter has said they will do after their work, in their own words."""

    id: str
    owner_id: str
    bid_id: str
    text: str


@dataclass
class SetAction:
    """An action the set keeps after its meeting, for its owner to report back on later."""

    id: str  # "<meeting id>.<action id>": unique across the set's meetings
    owner_id: str
    meeting_id: str
    text: str
    status: ActionStatus = ActionStatus.OPEN
    reflection: str = ""


@dataclass(frozen=True)
class Learning:
    """One key thing a member learned. Private: only its owner ever sees it."""

    id: str
    owner_id: str
    meeting_id: str
    text: str


@dataclass(frozen=True)
class PhaseSpan:
    """When a phase (or, for work, one presenter's work) began: the summary's timings."""

    phase: Phase
    started_ms: int
    bid_id: str | None = None


@dataclass(frozen=True)
class Activity:
    """One line of the meeting's visible history. Ids only: the widget turns them into words."""

    version: int
    at_ms: int
    actor: str | None
    action: str
    subject: str | None = None
    detail: str | None = None
    override: bool = False


@dataclass
class Settings:
    allocation: Allocation = Allocation.EQUAL
    speaker_seconds: int = 120
    review_reserve_minutes: int = 10
    signal_window_seconds: int = 60  # how long a signal counts before it fades
    # Whether the set agreed to keep who presented in its past meetings and its record file.
    record_presenters: bool = True


@dataclass(frozen=True)
class NextMeeting:
    """When the set meets next, as a facilitator planned it: a wall-clock time in a named zone, so
    a change to or from daylight saving time moves nothing."""

    uid: str  # the calendar entry's: the same through every change, so calendars update it
    local_start: str  # "YYYY-MM-DDTHH:MM" on the clock of ``time_zone``
    time_zone: str  # an IANA name, such as "Europe/London"
    minutes: int
    include_invite: bool = False  # whether the calendar file carries the member invite link
    sequence: int = 0  # bumped on every change, as RFC 5545 asks of an updated event
    updated_ms: int = 0


@dataclass
class Meeting:
    id: str
    set_id: str
    set_name: str
    started_at: float
    version: int = 0
    phase: Phase = Phase.OPENING
    participants: dict[str, Participant] = field(default_factory=dict)
    bids: list[Bid] = field(default_factory=list)  # accepted bids present in this order
    round: Round | None = None
    work: Work | None = None
    timers: dict[str, Timer] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    activity: list[Activity] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    # Anonymous signals: for each kind, the server time of each recent one. Times only, by design:
    # who sent a signal is never part of the meeting.
    signals: dict[str, list[int]] = field(default_factory=dict)
    signals_off: list[str] = field(default_factory=list)  # kinds the facilitator switched off
    # For each kind, how many times its counts were started afresh (cleared, switched off, a new
    # window). Each person's signal counts once per kind and round; a new round lets all send again.
    signal_rounds: dict[str, int] = field(default_factory=dict)
    # The set's contract as this meeting holds it, and the members who agreed to it as it stands.
    contract: list[str] = field(default_factory=lambda: list(DEFAULT_CONTRACT))
    contract_agreed: list[str] = field(default_factory=list)
    expected_members: list[str] = field(default_factory=list)  # names the facilitator expects
    # Earlier meetings' actions still open when this one began: the check-in's report-back.
    report_back: list[SetAction] = field(default_factory=list)
    learnings: list[Learning] = field(default_factory=list)  # this meeting's; private to each
    next_meeting: NextMeeting | None = None  # the set's, carried like its contract
    phase_log: list[PhaseSpan] = field(default_factory=list)
    next_id: int = 1
    # The set's roster as it stood when this meeting was read, in the same transaction: the rules
    # read names and roles from it and may change it. Stored under the set, never with the
    # meeting, so there is no second copy of anyone's role.
    roster: Roster = field(default_factory=Roster, metadata={"kept_apart": True})


@dataclass
class LearningSet:
    """What a set keeps across its meetings. Its people are on its roster, kept apart."""

    id: str
    name: str
    created_at: float
    current_meeting_id: str | None = None
    # The settings its latest meeting ended up with: the next meeting starts from them.
    settings: Settings = field(default_factory=Settings)
    contract: list[str] = field(default_factory=lambda: list(DEFAULT_CONTRACT))
    contract_agreed: list[str] = field(default_factory=list)
    expected_members: list[str] = field(default_factory=list)
    next_meeting: NextMeeting | None = None  # when the set meets next, once a facilitator says
    # Every action named in its meetings, as last reported; every learning, private to its owner.
    actions: list[SetAction] = field(default_factory=list)
    learnings: list[Learning] = field(default_factory=list)
    # Counts the times a facilitator has replaced the invite link: an invite signed for an
    # earlier count admits nobody, so a leaked link is shut at once.
    invite_generation: int = 0
