package cli

import (
	"flag"
	"strings"
	"time"

	"github.com/coplan/coplan/doc"
	p2psync "github.com/coplan/coplan/sync"
)

// commands is every coplan command: its words, usage, one-line summary,
// flags and the function that runs it. `coplan help` lists them sorted by
// name; the run functions live in the file for their area (plan_cmds.go,
// history_cmds.go, release_cmds.go, sync_cmds.go).
var commands = []*Command{
	// Who you are.
	{Name: "profile set", Args: "--name NAME --org ORG --side government|civil-society",
		Summary: "say who you are; every change you make is attributed to you",
		Flags: func(fs *flag.FlagSet) {
			fs.String("name", "", "your name")
			fs.String("org", "", "your organisation")
			fs.String("side", "", "government or civil-society")
		},
		Run: runProfileSet},
	{Name: "profile show", Summary: "show your profile and device ID", Run: runProfileShow},

	// Plans and what is in them.
	{Name: "new", Args: "--title T --country C [--period 2025-2027]", Summary: "create a plan and print its ID",
		Flags: func(fs *flag.FlagSet) {
			fs.String("title", "", "the plan's title")
			fs.String("country", "", "country or local government")
			fs.String("period", "", "YYYY-YYYY, or YYYY-MM-DD..YYYY-MM-DD")
		},
		Run: runNew},
	{Name: "upgrade", Args: "PLAN",
		Summary: "make a signed copy of a plan made before signed members and roles (new ID; you found it; others rejoin by invite)",
		Run:     runUpgrade},
	{Name: "plan set", Args: "PLAN FIELD VALUE", Summary: "set title, country, periodStart, periodEnd or vision",
		Run: runPlanSet},
	{Name: "list", Summary: "list the plans in the data folder", Run: runList},
	{Name: "show", Args: "PLAN [--at VERSION] [--json]", Summary: "print a plan (PLAN is an ID, unique prefix or .coplan file), now or as it was at VERSION",
		Flags: func(fs *flag.FlagSet) {
			fs.Bool("json", false, "print the stable JSON view")
			atFlag(fs)
		},
		Run: runShow},
	{Name: "commitment add", Args: "PLAN --title T [--side S] [--org O] [--lead L]", Summary: "add a commitment and print its ID",
		Flags: func(fs *flag.FlagSet) {
			fs.String("title", "", "title")
			fs.String("side", "", "who proposes it: government or civil-society (default: your side)")
			fs.String("org", "", "proposing organisation (default: yours)")
			fs.String("lead", "", "lead implementing agency")
		},
		Run: runCommitmentAdd},
	{Name: "commitment set", Args: "PLAN COMMITMENT FIELD VALUE",
		Summary: "set a field: " + strings.Join(commitmentFields, ", "),
		Run:     runCommitmentSet},
	{Name: "commitment rm", Args: "PLAN COMMITMENT", Summary: "remove a commitment", Run: runCommitmentRm},
	{Name: "commitment move", Args: "PLAN COMMITMENT POSITION", Summary: "move a commitment to a position (1 is first)",
		Run: runCommitmentMove},
	{Name: "milestone add", Args: "PLAN COMMITMENT --title T [--start D] [--end D] [--deliverable TEXT]",
		Summary: "add a milestone to a commitment and print its ID",
		Flags: func(fs *flag.FlagSet) {
			fs.String("title", "", "title")
			fs.String("start", "", "start date YYYY-MM-DD")
			fs.String("end", "", "end date YYYY-MM-DD")
			fs.String("deliverable", "", "the verifiable deliverable")
		},
		Run: runMilestoneAdd},
	{Name: "milestone set", Args: "PLAN COMMITMENT MILESTONE FIELD VALUE",
		Summary: "set a milestone field: " + strings.Join(doc.MilestoneFields, ", "),
		Run:     runMilestoneSet},
	{Name: "milestone rm", Args: "PLAN COMMITMENT MILESTONE", Summary: "remove a milestone", Run: runMilestoneRm},
	{Name: "timeline add", Args: "PLAN --title T --date D [--note N]", Summary: "add a dated entry to the process timeline",
		Flags: func(fs *flag.FlagSet) {
			fs.String("title", "", "what happens")
			fs.String("date", "", "when, YYYY-MM-DD")
			fs.String("note", "", "a note")
		},
		Run: runTimelineAdd},
	{Name: "timeline set", Args: "PLAN ENTRY FIELD VALUE", Summary: "set a timeline entry's title, date or note",
		Run: runTimelineSet},
	{Name: "timeline rm", Args: "PLAN ENTRY", Summary: "remove a timeline entry", Run: runTimelineRm},
	{Name: "note add", Args: "PLAN --title T [--date D] [--attendees A] [--body TEXT]", Summary: "start meeting notes and print their ID",
		Flags: func(fs *flag.FlagSet) {
			fs.String("title", "", "meeting title")
			fs.String("date", "", "meeting date (default today)")
			fs.String("attendees", "", "who attended")
			fs.String("body", "", "the notes")
		},
		Run: runNoteAdd},
	{Name: "note set", Args: "PLAN NOTES FIELD VALUE", Summary: "set meeting notes' title, date, attendees or body",
		Run: runNoteSet},
	{Name: "comment add", Args: "PLAN COMMITMENT TEXT", Summary: "comment on a commitment", Run: runCommentAdd},
	{Name: "resolve", Args: "PLAN [--commitment N [--milestone M] | --timeline ENTRY | --note NOTES] --field FIELD --keep VALUE",
		Summary: "end a conflict on a short field (coplan show lists them) by keeping one of its values",
		Flags:   resolveFlags,
		Run:     runResolve},

	// Files: export, import, merge, history.
	{Name: "export", Args: "PLAN --format coplan|json|md|html|pdf|ics [--at VERSION] -o FILE | PLAN --notes NOTES --format md|html|pdf -o FILE | PLAN --release LABEL -o DIR",
		Summary: "write the plan (marked as an unsigned draft, with its version and date), one meeting's notes, or a signed release's files",
		Flags: func(fs *flag.FlagSet) {
			fs.String("format", "", "coplan, json, md, html, pdf or ics (default from the file's extension)")
			fs.String("o", "", "output file (- for standard output, not for coplan or pdf)")
			atFlag(fs)
			fs.String("notes", "", "publish these meeting notes (ID or unique prefix) on their own: title, date, attendees and body")
			fs.String("release", "", "write the signed release LABEL's published files into the folder -o")
		},
		Run: runExport},
	{Name: "import", Args: "FILE", Summary: "add a .coplan file to the data folder (merging if the plan is there)",
		Run: runImport},
	{Name: "merge", Args: "PLAN FILE...", Summary: "merge colleagues' .coplan copies into a plan and report what came in",
		Run: runMerge},
	{Name: "draft", Args: "PLAN LABEL", Summary: "name the current version as a draft everyone sees (to open, compare and export)",
		Run: runDraft},
	{Name: "restore", Args: "PLAN --at VERSION (--commitment N [--field F] | --milestone ID [--field F] | --timeline ID | --note ID [--field body] | --field vision)",
		Summary: "bring back an old text or a deleted item as a new change of yours (N: the commitment's number at VERSION, or its ID)",
		Flags: func(fs *flag.FlagSet) {
			atFlag(fs)
			fs.String("commitment", "", "the commitment (number at VERSION, or ID)")
			fs.String("milestone", "", "the milestone (ID or unique prefix)")
			fs.String("timeline", "", "the timeline entry (ID or unique prefix)")
			fs.String("note", "", "the meeting notes (ID or unique prefix)")
			fs.String("field", "", "only this field (a commitment's title, description, lead, state…; a milestone's title or deliverable; the plan's vision)")
		},
		Run: runRestore},
	{Name: "diff", Args: "PLAN FROM TO [--format text|md|html|json] [-o FILE]",
		Summary: "compare two versions commitment by commitment, word by word (FROM and TO: " + versionHelp + ")",
		Flags: func(fs *flag.FlagSet) {
			fs.String("format", "", "text, md, html or json (default: text, or from -o's extension)")
			fs.String("o", "", "write to this file instead of standard output")
		},
		Run: runDiff},
	{Name: "meeting start", Args: "PLAN [--title T] [--attendee NAME]...",
		Summary: "start a meeting: open its notes, mark the version it starts from and who is there (you count)",
		Flags: func(fs *flag.FlagSet) {
			fs.String("title", "", "the meeting's title (default: Meeting and today's date)")
			fs.Var(&listFlag{}, "attendee", "someone present (repeatable)")
		},
		Run: runMeetingStart},
	{Name: "meeting end", Args: "PLAN [MEETING]",
		Summary: "end the running meeting (or MEETING): write its record (attendees, decisions, what changed, on every laptop) into its notes",
		Run:     runMeetingEnd},
	{Name: "meeting list", Args: "PLAN [--json]", Summary: "list the meetings, their notes and versions",
		Flags: jsonFlag("print JSON"),
		Run:   runMeetingList},
	{Name: "blame", Args: "PLAN (--commitment N --field F | --milestone ID --field title|deliverable | --note ID | --field vision) [--at VERSION] [--json]",
		Summary: "show who typed each passage of a text",
		Flags: func(fs *flag.FlagSet) {
			fs.String("commitment", "", "the commitment (number or ID)")
			fs.String("milestone", "", "the milestone (ID or unique prefix)")
			fs.String("note", "", "the meeting notes (ID or unique prefix)")
			fs.String("field", "", "the text: a commitment's title, problem, description, contribution, response or additional; a milestone's title or deliverable; the plan's vision")
			atFlag(fs)
			fs.Bool("json", false, "print JSON")
		},
		Run: runBlame},
	{Name: "versions", Args: "PLAN [--json]", Summary: "list the named versions: signed releases, drafts, meetings' starts and ends",
		Flags: jsonFlag("print JSON"),
		Run:   runVersions},
	{Name: "history", Args: "PLAN [--sessions] [--member M] [--org O] [--side S] [--commitment N] [--since DATE] [--until DATE] [--json]",
		Summary: "list what changed, who changed it and when (--sessions: grouped into editing sessions)",
		Flags:   historyFlags,
		Run:     runHistory},

	// Sign-off.
	{Name: "key new", Args: "--name NAME [-o FILE] [--passphrase] [--passphrase-file F]",
		Summary: "create an Ed25519 signing key in OpenSSH format (FILE and FILE.pub)",
		Flags: func(fs *flag.FlagSet) {
			fs.String("name", "", "whose key it is (written as the key's comment)")
			fs.String("o", "", "private key file (default CONFIG/keys/NAME_ed25519)")
			fs.Bool("passphrase", false, "protect the key with a passphrase (asked for, or read from standard input)")
			fs.String("passphrase-file", "", "protect the key with the passphrase in this file")
		},
		Run: runKeyNew},
	{Name: "member add", Args: "PLAN PEER-ID --name NAME [--org ORG] --side government|civil-society",
		Summary: "admit a device as a member, or confirm who a joined member is (administrators only)",
		Flags: func(fs *flag.FlagSet) {
			fs.String("name", "", "the member's name")
			fs.String("org", "", "the member's organisation")
			fs.String("side", "", "government or civil-society")
		},
		Run: runMemberAdd},
	{Name: "member role", Args: "PLAN PEER minister|co-chair|administrator [--off]",
		Summary: "give a member a role, administrators only (PEER is a peer ID, unique prefix, name, or me)",
		Flags:   func(fs *flag.FlagSet) { fs.Bool("off", false, "take the role away") },
		Run:     runMemberRole},
	{Name: "member key", Args: "PLAN PEER KEYFILE",
		Summary: "register the key you sign with, from your own device (PEER: me; KEYFILE: the private key, which signs a proof that it is yours, or FILE.pub held by ssh-agent or with the private key beside it)",
		Flags:   func(fs *flag.FlagSet) { fs.String("passphrase-file", "", "read the key's passphrase from this file") },
		Run:     runMemberKey},
	{Name: "settings", Args: "PLAN [endorsements required|optional]",
		Summary: "show or change the plan's sign-off settings",
		Run:     runSettings},
	{Name: "check", Args: "PLAN", Summary: "list what is missing before the plan can be signed", Run: runCheck},
	{Name: "doctor", Args: "PLAN [--repair [--from FILE.coplan]...]",
		Summary: "check the plan's files for damage (exit 1 if found) and say what is recovered and lost; --repair rebuilds it from every readable piece",
		Flags: func(fs *flag.FlagSet) {
			fs.Bool("repair", false, "rebuild the plan from every readable piece on disk (nothing is deleted)")
			fs.Var(&listFlag{}, "from", "with --repair: also take in this .coplan copy of the plan (repeatable)")
		},
		Run: runDoctor},
	{Name: "endorse", Args: "PLAN --version LABEL --key KEYFILE",
		Summary: "endorse the current version as a co-chair, before the minister signs",
		Flags:   signFlags,
		Run:     withSigner(endorse)},
	{Name: "sign", Args: "PLAN --version LABEL --key KEYFILE",
		Summary: "sign the current version as the minister (KEYFILE: private key, or FILE.pub held by ssh-agent)",
		Flags:   signFlags,
		Run:     withSigner(sign)},
	{Name: "releases", Args: "PLAN", Summary: "list the signed releases and whether the plan changed since", Run: runReleases},
	{Name: "verify", Args: "DIR [--id PLAN-ID] [--signer SHA256:FP] [--allowed-signers FILE] [--plan PLAN]",
		Summary: "check an exported release against a published plan ID or key, or a plan you hold (exit 3: no anchor)",
		Flags: func(fs *flag.FlagSet) {
			fs.String("plan", "", "a plan this device holds to check against (default: the release's plan, if in the data folder)")
			fs.String("id", "", "the plan ID as the government publishes it: the minister's authority is checked from the plan's root")
			fs.Var(&listFlag{}, "signer", "the minister's key fingerprint as published, SHA256:… (repeatable)")
			fs.String("allowed-signers", "", "an allowed_signers file published with the minister's key (not the one in the folder)")
		},
		Run: runVerify},

	// Peers and members.
	{Name: "invite", Args: "PLAN [--expires 24h] [--port 4077] [--listen MULTIADDR]... | PLAN --words [--ttl 10m] [--no-mdns]",
		Summary: "print an invite code that lets one more device join the plan; with --words, a short code to read aloud, waiting until it is used",
		Flags: func(fs *flag.FlagSet) {
			fs.Duration("expires", 24*time.Hour, "how long the invite stays valid")
			fs.Int("port", p2psync.DefaultPort, "the port the app or coplan serve listens on")
			fs.Var(&listFlag{}, "listen", "the addresses coplan serve listens on, if not all interfaces (repeatable); with --words, where to listen")
			fs.Bool("words", false, "print a short code (a number and two words) for a device on this network, and wait until it joins (Ctrl-C cancels)")
			fs.Duration("ttl", p2psync.DefaultShortCodeTTL, "with --words: how long the short code stays valid")
			fs.Bool("no-mdns", false, "with --words: do not announce the code on the local network (the joiner then needs --peer)")
		},
		Run: runInvite},
	{Name: "join", Args: "CODE [--name N --org O --side government|civil-society] [--peer MULTIADDR]",
		Summary: "join a plan with an invite code, short (7-penguin-pretzel) or full: receive it and become a member",
		Flags: func(fs *flag.FlagSet) {
			fs.String("name", "", "your name (default: your profile)")
			fs.String("org", "", "your organisation (default: your profile)")
			fs.String("side", "", "government or civil-society (default: your profile)")
			fs.Var(&listFlag{}, "listen", "multiaddr to listen on (repeatable)")
			fs.Var(&listFlag{}, "peer", "for a short code: the inviting device's address, where the local network does not carry mDNS (repeatable)")
			fs.Duration("timeout", time.Minute, "give up after this long")
		},
		Run: runJoin},
	{Name: "peer add", Args: "PLAN MULTIADDR",
		Summary: "remember where a member's device listens (for networks where discovery does not pass)",
		Run:     runPeerAdd},
	{Name: "serve", Args: "PLAN [--listen MULTIADDR]... [--no-mdns] [--relay] [--via RELAY-MULTIADDR]...",
		Summary: "keep the plan synced with every member that comes near, with no window (stop with Ctrl-C)",
		Flags: func(fs *flag.FlagSet) {
			fs.Var(&listFlag{}, "listen", "multiaddr to listen on (repeatable; default all interfaces, port 4077, TCP and QUIC)")
			fs.Bool("no-mdns", false, "do not announce or look for members on the local network")
			fs.Bool("relay", false, "relay connections between members of the plan who cannot reach each other directly")
			fs.Var(&listFlag{}, "via", "a relay (coplan serve --relay) to stay reachable through, ending in /p2p/RELAY-ID (repeatable)")
		},
		Run: runServe},
	{Name: "sync", Args: "PLAN [--peer MULTIADDR]",
		Summary: "sync once with one peer, or with every member whose address is known, until level, and print what moved",
		Flags: func(fs *flag.FlagSet) {
			fs.String("peer", "", "the peer's multiaddr, ending in /p2p/PEER-ID (through a relay: .../p2p/RELAY-ID/p2p-circuit/p2p/PEER-ID); without it, every known member")
			fs.Var(&listFlag{}, "listen", "multiaddr to listen on (repeatable)")
			fs.Duration("timeout", 0, "give up after this long (default 2m with --peer, 30s without)")
		},
		Run: runSync},
	{Name: "member list", Args: "PLAN [--json]", Summary: "list the plan's member devices",
		Flags: jsonFlag("print JSON"),
		Run:   runMemberList},
	{Name: "member remove", Args: "PLAN PEER",
		Summary: "remove a device: every peer that sees this refuses it from then on (PEER as for member role)",
		Run:     runMemberRemove},
}

// jsonFlag declares --json with the given help.
func jsonFlag(help string) func(fs *flag.FlagSet) {
	return func(fs *flag.FlagSet) { fs.Bool("json", false, help) }
}

func signFlags(fs *flag.FlagSet) {
	fs.String("version", "", "version label, e.g. 1.0")
	fs.String("key", "", "OpenSSH private key file, or a FILE.pub whose key ssh-agent holds")
	fs.String("passphrase-file", "", "read the key's passphrase from this file")
}
