package cli

import (
	"fmt"
	"io"

	"github.com/coplan/coplan/doc"
)

// identityText says how a member's name, organisation and side are
// established: confirmed by an administrator, vouched by the inviter, or
// the joiner's own claim.
func identityText(p *doc.Plan, m doc.Member) string {
	by := ""
	if m.AddedBy != "" && m.AddedBy != m.PeerID {
		if who, ok := p.Member(m.AddedBy); ok && who.Name != "" {
			by = " by " + who.Name
		}
	}
	switch m.Status {
	case "confirmed":
		if m.AddedBy == m.PeerID {
			return "confirmed (founder)"
		}
		return "confirmed" + by
	case "vouched":
		return "vouched" + by + " (the inviter), not confirmed"
	}
	return "claimed by the joiner, not confirmed"
}

// fewAdminsText is the warning while a plan has fewer than two
// administrators ("" otherwise).
func fewAdminsText(p *doc.Plan) string {
	switch admins := p.Admins(); len(admins) {
	case 0:
		return "Warning: no administrator: nobody can manage members."
	case 1:
		name := admins[0]
		if m, ok := p.Member(admins[0]); ok && m.Name != "" {
			name = m.Name
		}
		return fmt.Sprintf("Warning: only one administrator (%s): if that laptop is lost nobody can manage members. Make another member an administrator: coplan member role PLAN PEER administrator", name)
	}
	return ""
}

// printRefused lists the plan's refused statements: what each claimed,
// its claimed signer, who wrote it into the plan, and why it counts for
// nothing. "Written by" is the author of the Automerge change that put
// it there, verified or only claimed (the delivering peer is in the sync
// layer's local record, by change hash).
func printRefused(w io.Writer, list []doc.RefusedStatement) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(w, "\nRefused statements (%d; they count for nothing):\n", len(list))
	for _, r := range list {
		signer := "an unknown device"
		if r.Signer.PeerID != "" {
			signer = r.Signer.PeerID
			if r.Signer.Name != "" {
				signer = r.Signer.Name + " (" + r.Signer.PeerID + ")"
			}
		}
		writer := "an unknown device"
		if r.Writer.PeerID != "" || r.Writer.Name != "" {
			writer = r.Writer.Name
			if writer == "" {
				writer = r.Writer.PeerID
			}
			if r.WriterVerified {
				writer += ", verified"
			} else {
				writer += ", unverified"
			}
		}
		fmt.Fprintf(w, "  %s: %s\n    %s statement signed by %s, written into the plan by %s", r.ID[:16], r.Claim, r.Kind, signer, writer)
		if r.Change != "" {
			fmt.Fprintf(w, " in change %s", r.Change[:12])
		}
		fmt.Fprintf(w, "\n    refused: %s\n", r.Reason)
	}
}
