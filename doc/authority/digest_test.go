package authority

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
)

// digest writes everything a State says, in a fixed order, so two States
// can be compared. full adds the heads, rejections and pending statements.
func digest(s *State, full bool) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("plan %s genesis %s founder %s upgraded %q", s.PlanID, s.Genesis.Short(), s.Founder.Short(), s.UpgradedFrom)
	for _, m := range s.AllMembers() {
		p("member %s %q %q %s %s vouched=%s roles=%v devices=%v joined=%s invite=%s removed=%v by %s",
			m.ID.Short(), m.Name, m.Org, m.Side, m.Status, m.VouchedBy.Short(), m.Roles, shorts(m.Devices),
			m.JoinedBy.Short(), m.Invite.Short(), m.Removed, m.RemovedBy.Short())
	}
	for _, k := range s.SigningKeys() {
		p("key %s of %s by %s/%s revoked=%v %s", k.Fingerprint, k.Member.Short(), k.Device.Short(), k.RegisteredBy.Short(), k.Revoked, k.RevokedBy.Short())
	}
	p("settings %+v", s.Settings())
	var invs []ID
	for id := range s.g.invites {
		invs = append(invs, id)
	}
	slices.SortFunc(invs, func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
	for _, id := range invs {
		i := s.Invite(id, time.Time{})
		p("invite %s %s by %s exp %s vouch %q redeemed %s by %s", id.Short(), i.Status, i.Inviter.Short(), i.Expires, i.Name, i.RedeemedBy.Short(), i.Redeemer.Short())
	}
	for _, a := range s.Attributions() {
		p("actor %s dev %s member %s disputed=%v claimants=%v", a.Actor, a.Device.Short(), a.Member.Short(), a.Disputed, shorts(a.Claimants))
		for _, r := range a.Ranges {
			p("  %d..%d %s %s after=%v", r.From, r.To, short(r.Last), r.Statement.Short(), r.AfterRemoval)
		}
	}
	for _, d := range s.Drafts() {
		p("draft %s %q %v by %s", d.ID.Short(), d.Label, d.Heads, d.Member.Short())
	}
	for _, m := range s.Meetings() {
		p("meeting %s %q %v ended=%v %s", m.ID.Short(), m.Title, m.Attendees, m.Ended, m.End.ID.Short())
	}
	for _, e := range s.Endorsements() {
		p("endorsement %s %q %s %s", e.ID.Short(), e.Label, e.KeyFingerprint, e.Side)
	}
	for _, r := range s.Releases() {
		p("release %s %q %s %s %q", r.ID.Short(), r.Label, r.KeyFingerprint, r.Member.Short(), r.Name)
	}
	if full {
		h := s.Heads()
		p("heads %v seen %v", idShorts(h.Parents), idShorts(h.Seen))
		for _, r := range s.Rejected {
			p("rejected %s %s: %s", r.ID.Short(), r.Kind, r.Reason)
		}
		p("pending %v", idShorts(s.Pending))
	}
	return b.String()
}

func shorts(ds []Device) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Short())
	}
	return out
}

func idShorts(ids []ID) []string {
	var out []string
	for _, id := range ids {
		out = append(out, id.Short())
	}
	return out
}
