"""A stage link's token is a kind of its own: it opens the stage view and nothing else."""

from __future__ import annotations

import pytest

from companion.domain.errors import Rejected
from companion.identity.tokens import Credential, StageCredential, TokenSigner


def test_a_stage_token_and_a_participant_token_never_stand_in_for_each_other() -> None:
    signer = TokenSigner("a secret key for the test", max_age_seconds=60)
    stage = signer.stage_token(StageCredential("s1", "p1", 3))
    participant = signer.participant_token(Credential("s1", "p1"))
    assert signer.read_stage(stage) == StageCredential("s1", "p1", 3)
    for wrong, read in ((participant, signer.read_stage), (stage, signer.read_participant)):
        with pytest.raises(Rejected) as refused:
            read(wrong)
        assert refused.value.code == "token_invalid"
    with pytest.raises(Rejected) as refused:
        signer.read_stage(signer.invite_token("s1", 3))
    assert refused.value.code == "token_invalid"
