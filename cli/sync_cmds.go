package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/internal/logging"
	"github.com/coplan/coplan/internal/profile"
	p2psync "github.com/coplan/coplan/sync"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func listen(fs *flag.FlagSet) []string {
	if l := *fs.Lookup("listen").Value.(*listFlag); len(l) > 0 {
		return l
	}
	return nil
}

// oneShotListen keeps a one-off command from taking the port a running
// app or `coplan serve` holds.
var oneShotListen = []string{"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/udp/0/quic-v1", "/ip6/::/tcp/0", "/ip6/::/udp/0/quic-v1"}

// syncStateDir is where the sync layer keeps per-plan state.
func (e *Env) syncStateDir() string { return filepath.Join(e.DataDir, "sync") }

// nodeOptions say how a command's sync node runs.
type nodeOptions struct {
	// oneShot is for join and sync: any free port (so as not to take the
	// one a running app or coplan serve holds) and only warnings logged.
	// Otherwise (serve): the usual port, and info logged.
	oneShot      bool
	listen       []string // --listen; empty: as oneShot says
	mdns         bool
	relayService bool            // serve --relay
	relays       []peer.AddrInfo // relays to admit and stay reachable through
}

// logger is the node's and its plans' logger: info for serve, warn for
// one-shot commands, unless COPLAN_LOG says otherwise.
func (e *Env) logger(o nodeOptions) *slog.Logger {
	if o.oneShot {
		return logging.New(e.Stderr, slog.LevelWarn)
	}
	return logging.New(e.Stderr, slog.LevelInfo)
}

// node starts a sync node for this device on lib, logging to log.
func (e *Env) node(lib *doc.Library, o nodeOptions, log *slog.Logger) (*p2psync.Node, error) {
	id, err := p2psync.LoadOrCreateIdentity(e.ConfigDir)
	if err != nil {
		return nil, err
	}
	listenAddrs := o.listen
	if o.oneShot && len(listenAddrs) == 0 {
		listenAddrs = oneShotListen
	}
	return p2psync.NewNode(p2psync.Config{Identity: id, Listen: listenAddrs, StateDir: e.syncStateDir(),
		Library: lib, MDNS: o.mdns, Logger: log, RelayService: o.relayService, Relays: o.relays})
}

// withPlanNode opens the data folder and PLAN, lets admit refuse the plan
// before any node starts, starts a node syncing the plan and runs fn; the
// node and then the plan are closed when fn returns. The node and the plan
// log alike.
func (e *Env) withPlanNode(ref string, o nodeOptions, admit func(p *doc.Plan) error, fn func(p *doc.Plan, n *p2psync.Node) error) error {
	log := e.logger(o)
	lib, err := e.libraryLogging(log)
	if err != nil {
		return err
	}
	p, err := e.openPlanIn(lib, ref, false)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.ReadOnly(); err != nil {
		return err // what a sync brings in could not be saved
	}
	if admit != nil {
		if err := admit(p); err != nil {
			return err
		}
	}
	n, err := e.node(lib, o, log)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.Start(p); err != nil {
		return err
	}
	return fn(p, n)
}

func duration(fs *flag.FlagSet, name string) time.Duration {
	return fs.Lookup(name).Value.(flag.Getter).Get().(time.Duration)
}

func runInvite(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	if str(fs, "words") == "true" {
		return runInviteWords(e, fs, args)
	}
	ttl := duration(fs, "expires")
	if ttl <= 0 {
		return usageErr("--expires must be positive")
	}
	port := fs.Lookup("port").Value.(flag.Getter).Get().(int)
	id, err := p2psync.LoadOrCreateIdentity(e.ConfigDir)
	if err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		if !p.IsMember(id.PeerID.String()) {
			return fmt.Errorf("%w: this device is not a member of the plan, so it cannot invite", p2psync.ErrNotMember)
		}
		on := listen(fs)
		if on == nil {
			on = p2psync.DefaultListen(port)
		}
		addrs, err := p2psync.InviteAddrs(on)
		if err != nil {
			return err
		}
		// The signed invite statement (single use, refused where the plan's
		// settings say only administrators invite), then the code naming it.
		stmt, err := p.CreateInvite(time.Now().Add(ttl), "", "", "")
		if err != nil {
			return err
		}
		code, inv, err := p2psync.NewInvite(id, p.ID(), stmt, addrs, ttl)
		if err != nil {
			return err
		}
		if err := p2psync.RecordInvite(e.syncStateDir(), inv); err != nil {
			return err
		}
		fmt.Fprintln(e.Stdout, p2psync.GroupCode(code))
		fmt.Fprintf(e.Stderr, "Valid until %s. Keep Coplan open (or run coplan serve %s) so the new device can reach this one.\n",
			inv.Expires.Local().Format("2006-01-02 15:04"), p.ID()[:8])
		return nil
	})
}

func runJoin(e *Env, fs *flag.FlagSet, args []string) error {
	if len(args) == 0 {
		return usageErr("want an invite code")
	}
	code := strings.Join(args, " ")
	var via []peer.AddrInfo
	for _, v := range *fs.Lookup("peer").Value.(*listFlag) {
		info, err := p2psync.ParsePeerAddr(v)
		if err != nil {
			return usageErr("%v", err)
		}
		via = append(via, info)
	}
	short := p2psync.LooksShort(code)
	if short {
		sc, err := p2psync.ParseShortCode(code)
		if err != nil {
			return err
		}
		if len(sc.Corrected) > 0 {
			fmt.Fprintf(e.Stderr, "reading the code as %s (%s)\n", sc, strings.Join(sc.Corrected, ", "))
		}
	} else if len(via) > 0 {
		return usageErr("--peer is for short codes; a full invite code carries the addresses")
	}
	prof, _, err := profile.Load(e.ConfigDir)
	if err != nil {
		return err
	}
	if v := strings.TrimSpace(str(fs, "name")); v != "" {
		prof.Name = v
	}
	if v := strings.TrimSpace(str(fs, "org")); v != "" {
		prof.Org = v
	}
	if v := str(fs, "side"); v != "" {
		if prof.Side, err = doc.ParseSide(v); err != nil {
			return err
		}
	}
	if prof.Name == "" || prof.Side == "" {
		return usageErr("say who you are: --name and --side (or set a profile first)")
	}
	if _, ok, _ := profile.Load(e.ConfigDir); !ok {
		if err := profile.Save(e.ConfigDir, prof); err != nil {
			return err
		}
	}
	author, err := e.Author(false)
	if err != nil {
		return err
	}
	author.Name, author.Org, author.Side = prof.Name, prof.Org, prof.Side
	o := nodeOptions{oneShot: true, listen: listen(fs)}
	log := e.logger(o)
	lib, err := e.libraryLogging(log)
	if err != nil {
		return err
	}
	n, err := e.node(lib, o, log)
	if err != nil {
		return err
	}
	defer n.Close()
	ctx, cancel := context.WithTimeout(context.Background(), duration(fs, "timeout"))
	defer cancel()
	start := time.Now()
	var p *doc.Plan
	if short {
		p, err = n.JoinWords(ctx, code, author, via...)
	} else {
		p, err = n.Join(ctx, code, author)
	}
	if err != nil {
		return err
	}
	defer p.Close()
	// The inviter is who added this device (also when it was already a
	// member and joining was only a sync).
	me, _ := p.Member(n.ID().String())
	inviter, err := peer.Decode(me.AddedBy)
	if inv, perr := p2psync.ParseInvite(code); perr == nil {
		inviter, err = inv.Inviter, nil
	}
	if err != nil {
		return fmt.Errorf("joined, but the plan does not say who added this device: %w", err)
	}
	if err := n.WaitLevel(ctx, p.ID(), inviter, start); err != nil {
		return fmt.Errorf("joined, but the first sync did not finish: %w", err)
	}
	n.Stop(p.ID())
	id, info := p.ID(), p.Info()
	if err := p.Close(); err != nil { // on disk before it is said
		return err
	}
	fmt.Fprintf(e.Stdout, "%s  %s (%s): you are now a member\n", id, info.Title, info.Country)
	return nil
}

// runInviteWords opens a short code and waits, as `wormhole send` does,
// until one device has joined with it, it expires or dies, or Ctrl-C.
func runInviteWords(e *Env, fs *flag.FlagSet, args []string) error {
	ttl := duration(fs, "ttl")
	if ttl <= 0 {
		return usageErr("--ttl must be positive")
	}
	id, err := p2psync.LoadOrCreateIdentity(e.ConfigDir)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	isMember := func(p *doc.Plan) error {
		if !p.IsMember(id.PeerID.String()) {
			return fmt.Errorf("%w: this device is not a member of the plan, so it cannot invite", p2psync.ErrNotMember)
		}
		return nil
	}
	o := nodeOptions{oneShot: true, listen: listen(fs), mdns: str(fs, "no-mdns") != "true"}
	return e.withPlanNode(args[0], o, isMember, func(p *doc.Plan, n *p2psync.Node) error {
		opened := time.Now()
		code, done, err := n.InviteWords(ctx, p.ID(), ttl)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.Stdout, code)
		fmt.Fprintf(e.Stderr, "On the other device: coplan join %s\nValid for %s, for one device. Waiting for it; Ctrl-C cancels.\n",
			code, spanText(ttl))
		if !o.mdns {
			fmt.Fprintln(e.Stderr, "Not announced on the local network (--no-mdns): the other device needs --peer with one of")
			for _, a := range n.Addrs() {
				fmt.Fprintln(e.Stderr, "  "+a.String())
			}
		}
		r := <-done
		if errors.Is(r.Err, p2psync.ErrCodeDead) {
			return fmt.Errorf("nobody joined: %w (%d were tried); run coplan invite --words again for a new code",
				r.Err, p2psync.ShortCodeAttempts)
		}
		if r.Err != nil {
			return fmt.Errorf("nobody joined: %w", r.Err)
		}
		fmt.Fprintf(e.Stdout, "%s (%s, %s) joined %s\n", r.Member.Name, r.Member.Org, r.Member.Side, p.Info().Title)
		// Stay for the first sync, so the new member has everything.
		pid, err := peer.Decode(r.Member.PeerID)
		if err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := n.WaitLevel(wctx, p.ID(), pid, opened); err != nil {
			fmt.Fprintf(e.Stderr, "the first sync with %s did not finish: %v; it resumes when you next meet\n", r.Member.Name, err)
		}
		n.Stop(p.ID())
		return nil
	})
}

// spanText says a duration as a person would: "10 minutes", "90 seconds".
func spanText(d time.Duration) string {
	n, unit := int(d.Round(time.Second)/time.Second), "second"
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		n, unit = int(d/time.Hour), "hour"
	case d >= time.Minute && d%time.Minute == 0:
		n, unit = int(d/time.Minute), "minute"
	}
	return fmt.Sprintf("%d %s", n, plural(n, unit, unit+"s"))
}

func runPeerAdd(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	if _, err := p2psync.ParsePeerAddr(args[1]); err != nil {
		return usageErr("%v", err)
	}
	return e.read(args[0], func(p *doc.Plan) error {
		info, err := p2psync.AddKnownPeer(e.syncStateDir(), p.ID(), args[1])
		if err != nil {
			return err
		}
		who := "not a member yet"
		if m, ok := p.Member(info.ID.String()); ok {
			who = m.Name
			if m.Removed {
				who += ", removed"
			}
		}
		fmt.Fprintf(e.Stdout, "added %s (%s); Coplan and coplan serve will connect to it\n", info.ID, who)
		return nil
	})
}

func runServe(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	var relays []peer.AddrInfo
	for _, v := range *fs.Lookup("via").Value.(*listFlag) {
		info, err := p2psync.ParsePeerAddr(v)
		if err != nil {
			return usageErr("%v", err)
		}
		relays = append(relays, info)
	}
	// Caught from the start, so a signal during start-up also stops cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := nodeOptions{listen: listen(fs), mdns: str(fs, "no-mdns") != "true",
		relayService: str(fs, "relay") == "true", relays: relays}
	return e.withPlanNode(args[0], o, nil, func(p *doc.Plan, n *p2psync.Node) error {
		// What other processes write to the data folder (coplan commands,
		// the app) is read once a second, merged and sent on, and a member
		// removed there is disconnected and refused.
		if err := p.AutoCommit(doc.DefaultPolicy); err != nil {
			return err
		}
		for _, a := range n.Addrs() {
			fmt.Fprintln(e.Stdout, a)
		}
		<-ctx.Done()
		fmt.Fprintln(e.Stderr, "coplan serve: stopping")
		return nil
	})
}

// ErrNoneReachable is `coplan sync` without --peer finding no member.
var ErrNoneReachable = errors.New("no member was reachable")

func runSync(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	if duration(fs, "timeout") < 0 {
		return usageErr("--timeout must be positive")
	}
	if str(fs, "peer") == "" {
		return runSyncMembers(e, fs, args[0])
	}
	info, err := p2psync.ParsePeerAddr(str(fs, "peer"))
	if err != nil {
		return usageErr("%v", err)
	}
	relays, err := p2psync.CircuitRelays(str(fs, "peer"))
	if err != nil {
		return usageErr("%v", err)
	}
	isMember := func(p *doc.Plan) error {
		if !p.IsMember(info.ID.String()) {
			return fmt.Errorf("%w: %s", p2psync.ErrNotMember, info.ID)
		}
		return nil
	}
	o := nodeOptions{oneShot: true, listen: listen(fs), relays: relays}
	return e.withPlanNode(args[0], o, isMember, func(p *doc.Plan, n *p2psync.Node) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeoutOr(fs, 2*time.Minute))
		defer cancel()
		st, err := n.SyncOnce(ctx, p.ID(), info)
		if err != nil {
			return err
		}
		n.Stop(p.ID())
		fmt.Fprintf(e.Stdout, "sent %d changes (%d bytes), received %d changes (%d bytes); level with %s\n",
			st.ChangesSent, st.BytesSent, st.ChangesReceived, st.BytesReceived, info.ID)
		return nil
	})
}

func timeoutOr(fs *flag.FlagSet, def time.Duration) time.Duration {
	if d := duration(fs, "timeout"); d > 0 {
		return d
	}
	return def
}

// runSyncMembers syncs with every member whose address is known here,
// at once, within --timeout: success when level with at least one.
func runSyncMembers(e *Env, fs *flag.FlagSet, ref string) error {
	o := nodeOptions{oneShot: true, listen: listen(fs)}
	return e.withPlanNode(ref, o, nil, func(p *doc.Plan, n *p2psync.Node) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeoutOr(fs, 30*time.Second))
		defer cancel()
		res, err := n.SyncMembers(ctx, p.ID())
		if err != nil {
			return err
		}
		n.Stop(p.ID())
		level := 0
		for _, r := range res {
			name := r.Name
			if name == "" {
				name = r.ID
			}
			if r.Level {
				level++
				fmt.Fprintf(e.Stdout, "%s: level; sent %d changes (%d bytes), received %d changes (%d bytes)\n",
					name, r.Stats.ChangesSent, r.Stats.BytesSent, r.Stats.ChangesReceived, r.Stats.BytesReceived)
				continue
			}
			why := "not reachable"
			if r.Err != nil && !errors.Is(r.Err, context.DeadlineExceeded) {
				why = r.Err.Error()
			}
			fmt.Fprintf(e.Stdout, "%s: not synced (%s)\n", name, why)
		}
		if level == 0 {
			if len(res) == 0 {
				return fmt.Errorf("%w: no member's address is known here (coplan peer add %s MULTIADDR)", ErrNoneReachable, p.ID()[:8])
			}
			return fmt.Errorf("%w within %s", ErrNoneReachable, timeoutOr(fs, 30*time.Second))
		}
		return nil
	})
}

func runMemberList(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	return e.read(args[0], func(p *doc.Plan) error {
		ms := p.Members()
		if str(fs, "json") == "true" {
			return writeJSON(e, ms)
		}
		for _, m := range ms {
			status := ""
			if m.Removed {
				status = "  (removed)"
			}
			fmt.Fprintf(e.Stdout, "%s  %s, %s (%s)  roles: %s  identity: %s  devices: %d%s\n", m.PeerID, m.Name, m.Org, m.Side, rolesText(m),
				identityText(p, m), len(m.Devices), status)
		}
		if w := fewAdminsText(p); w != "" {
			fmt.Fprintln(e.Stdout, "\n"+w)
		}
		printRefused(e.Stdout, p.RefusedStatements())
		return nil
	})
}

func runMemberRemove(e *Env, fs *flag.FlagSet, args []string) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	return e.edit(args[0], func(p *doc.Plan) error {
		id, err := resolvePeer(p, args[1])
		if err != nil {
			return err
		}
		if id == p.Author().PeerID {
			return errors.New("this is your own device; remove it from another member's device")
		}
		if err := p.RemoveMember(id); err != nil {
			return err
		}
		m, _ := p.Member(id)
		fmt.Fprintf(e.Stdout, "removed %s (%s, %s)\n", m.Name, m.Org, id)
		return nil
	})
}
