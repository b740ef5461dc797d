from arapi.errors import ErrorCode


class MatchingErrorCode(ErrorCode):
    PROPOSAL_NOT_PENDING = "PROPOSAL_NOT_PENDING"
    PROPOSAL_OUTDATED = (
        "PROPOSAL_OUTDATED"  # the ledger moved since it was made: run matching again
    )
    NOTHING_TO_UNDO = "NOTHING_TO_UNDO"
