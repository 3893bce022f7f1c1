package authority

import "errors"

// Sentinel errors. Parse and Sign wrap the first group; a Rejection's Err
// wraps one of the second group, so callers can tell reasons apart with
// errors.Is and show Err.Error() as the one-line reason.
var (
	ErrMalformed    = errors.New("malformed statement")
	ErrTooLarge     = errors.New("statement too large")
	ErrVersion      = errors.New("statement format of another Coplan version")
	ErrUnknownKind  = errors.New("unknown statement kind")
	ErrBadSignature = errors.New("signature does not verify")
	ErrInvalid      = errors.New("invalid statement field")
	ErrBadPlanID    = errors.New("not a plan ID")
	ErrNoGenesis    = errors.New("the genesis statement of the plan is missing")
	ErrBadBundle    = errors.New("malformed proof bundle")

	ErrOtherPlan     = errors.New("statement of another plan")
	ErrBadParent     = errors.New("statement names a parent it may not have")
	ErrNotMember     = errors.New("signer is not a member")
	ErrNotAuthorized = errors.New("signer lacks the authority")
	ErrVoided        = errors.New("voided by a concurrent revocation")
	ErrLastAdmin     = errors.New("would leave the plan without an administrator")
	ErrConflict      = errors.New("conflicts with a concurrent statement")
	ErrRemovedDevice = errors.New("device was removed from the plan")
	ErrAlreadyMember = errors.New("device is already a member")
	ErrUnknownMember = errors.New("no such member")
	ErrRole          = errors.New("role cannot be given or taken")
	ErrKey           = errors.New("signing key cannot be used")
	ErrKeyProof      = errors.New("no valid proof that the registering device holds the signing key")
	ErrInvite        = errors.New("invite cannot be redeemed")
	ErrDuplicate     = errors.New("already recorded")
	ErrUnknownRef    = errors.New("refers to a statement that is not in the plan")
	ErrAmbiguous     = errors.New("label names more than one statement")
	ErrNotFound      = errors.New("not found")
)

// ErrLastDevice: a member's last device is removed with the member.
var ErrLastDevice = errors.New("cannot unlink a member's last device")
