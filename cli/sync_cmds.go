package cli

import (
	"context"
	"encoding/json"
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
	ma "github.com/multiformats/go-multiaddr"

	"github.com/coplan/coplan/doc"
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

// node starts a sync node for this device; mod sets what only some
// commands use (relays).
func (e *Env) node(listenAddrs []string, mdns bool, lib *doc.Library, mod ...func(*p2psync.Config)) (*p2psync.Node, error) {
	id, err := p2psync.LoadOrCreateIdentity(e.ConfigDir)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg := p2psync.Config{Identity: id, Listen: listenAddrs, StateDir: e.syncStateDir(),
		Library: lib, MDNS: mdns, Logger: log}
	for _, f := range mod {
		f(&cfg)
	}
	return p2psync.NewNode(cfg)
}

// circuitRelay is the relay named by a /p2p/RELAY/p2p-circuit/p2p/PEER
// address, which the node must admit and dial through; nil for a direct one.
func circuitRelay(addr string) ([]peer.AddrInfo, error) {
	m, err := ma.NewMultiaddr(strings.TrimSpace(addr))
	if err != nil {
		return nil, usageErr("%q is not a multiaddr: %v", addr, err)
	}
	before, _ := ma.SplitFunc(m, func(c ma.Component) bool { return c.Protocol().Code == ma.P_CIRCUIT })
	if len(before) == len(m) {
		return nil, nil
	}
	info, err := peer.AddrInfoFromP2pAddr(before)
	if err != nil {
		return nil, usageErr("%q must name the relay as /p2p/RELAY-ID before /p2p-circuit", addr)
	}
	return []peer.AddrInfo{*info}, nil
}

func parsePeerAddr(s string) (peer.AddrInfo, error) {
	m, err := ma.NewMultiaddr(strings.TrimSpace(s))
	if err != nil {
		return peer.AddrInfo{}, usageErr("%q is not a multiaddr: %v", s, err)
	}
	info, err := peer.AddrInfoFromP2pAddr(m)
	if err != nil {
		return peer.AddrInfo{}, usageErr("%q must end in /p2p/PEER-ID", s)
	}
	return *info, nil
}

func init() {
	Register(&Command{Name: "invite", Args: "PLAN [--expires 24h] [--port 4077] [--listen MULTIADDR]...",
		Summary: "print an invite code that lets one more device join the plan",
		Flags: func(fs *flag.FlagSet) {
			fs.Duration("expires", 24*time.Hour, "how long the invite stays valid")
			fs.Int("port", p2psync.DefaultPort, "the port the app or coplan serve listens on")
			fs.Var(&listFlag{}, "listen", "the addresses coplan serve listens on, if not all interfaces (repeatable)")
		},
		Run: func(e *Env, fs *flag.FlagSet, args []string) error {
			if err := nargs(args, 1); err != nil {
				return err
			}
			ttl := fs.Lookup("expires").Value.(flag.Getter).Get().(time.Duration)
			if ttl <= 0 {
				return usageErr("--expires must be positive")
			}
			port := fs.Lookup("port").Value.(flag.Getter).Get().(int)
			id, err := p2psync.LoadOrCreateIdentity(e.ConfigDir)
			if err != nil {
				return err
			}
			return e.read(args[0], func(p *doc.Plan) error {
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
				code, inv, err := p2psync.NewInvite(id, p.ID(), addrs, ttl)
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
		}})

	Register(&Command{Name: "join", Args: "CODE [--name N --org O --side government|civil-society]",
		Summary: "join a plan with an invite code: receive it and become a member",
		Flags: func(fs *flag.FlagSet) {
			fs.String("name", "", "your name (default: your profile)")
			fs.String("org", "", "your organisation (default: your profile)")
			fs.String("side", "", "government or civil-society (default: your profile)")
			fs.Var(&listFlag{}, "listen", "multiaddr to listen on (repeatable)")
			fs.Duration("timeout", time.Minute, "give up after this long")
		},
		Run: func(e *Env, fs *flag.FlagSet, args []string) error {
			if len(args) == 0 {
				return usageErr("want an invite code")
			}
			code := strings.Join(args, "")
			prof, _, err := LoadProfile(e.ConfigDir)
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
			if _, ok, _ := LoadProfile(e.ConfigDir); !ok {
				if err := SaveProfile(e.ConfigDir, prof); err != nil {
					return err
				}
			}
			author, err := e.Author(false)
			if err != nil {
				return err
			}
			author.Name, author.Org, author.Side = prof.Name, prof.Org, prof.Side
			lib, err := e.Library()
			if err != nil {
				return err
			}
			l := listen(fs)
			if l == nil {
				l = oneShotListen
			}
			n, err := e.node(l, false, lib)
			if err != nil {
				return err
			}
			defer n.Close()
			ctx, cancel := context.WithTimeout(context.Background(), fs.Lookup("timeout").Value.(flag.Getter).Get().(time.Duration))
			defer cancel()
			start := time.Now()
			p, err := n.Join(ctx, code, author)
			if err != nil {
				return err
			}
			defer p.Close()
			inv, _ := p2psync.ParseInvite(code)
			if err := n.WaitLevel(ctx, p.ID(), inv.Inviter, start); err != nil {
				return fmt.Errorf("joined, but the first sync did not finish: %w", err)
			}
			fmt.Fprintf(e.Stdout, "%s  %s (%s): you are now a member\n", p.ID(), p.Info().Title, p.Info().Country)
			n.Stop(p.ID())
			return nil
		}})

	Register(&Command{Name: "peer add", Args: "PLAN MULTIADDR",
		Summary: "remember where a member's device listens (for networks where discovery does not pass)",
		Run: func(e *Env, fs *flag.FlagSet, args []string) error {
			if err := nargs(args, 2); err != nil {
				return err
			}
			if _, err := parsePeerAddr(args[1]); err != nil {
				return err
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
		}})

	Register(&Command{Name: "serve", Args: "PLAN [--listen MULTIADDR]... [--no-mdns] [--relay] [--via RELAY-MULTIADDR]...",
		Summary: "keep the plan synced with every member that comes near, with no window (stop with Ctrl-C)",
		Flags: func(fs *flag.FlagSet) {
			fs.Var(&listFlag{}, "listen", "multiaddr to listen on (repeatable; default all interfaces, port 4077, TCP and QUIC)")
			fs.Bool("no-mdns", false, "do not announce or look for members on the local network")
			fs.Bool("relay", false, "relay connections between members of the plan who cannot reach each other directly")
			fs.Var(&listFlag{}, "via", "a relay (coplan serve --relay) to stay reachable through, ending in /p2p/RELAY-ID (repeatable)")
		},
		Run: func(e *Env, fs *flag.FlagSet, args []string) error {
			if err := nargs(args, 1); err != nil {
				return err
			}
			lib, err := e.Library()
			if err != nil {
				return err
			}
			p, err := e.OpenPlan(args[0], false)
			if err != nil {
				return err
			}
			defer p.Close()
			var relays []peer.AddrInfo
			for _, v := range *fs.Lookup("via").Value.(*listFlag) {
				info, err := parsePeerAddr(v)
				if err != nil {
					return err
				}
				relays = append(relays, info)
			}
			n, err := e.node(listen(fs), str(fs, "no-mdns") != "true", lib, func(c *p2psync.Config) {
				c.RelayService = str(fs, "relay") == "true"
				c.Relays = relays
			})
			if err != nil {
				return err
			}
			defer n.Close()
			if err := n.Start(p); err != nil {
				return err
			}
			for _, a := range n.Addrs() {
				fmt.Fprintln(e.Stdout, a)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			<-ctx.Done()
			fmt.Fprintln(e.Stderr, "coplan serve: stopping")
			return nil
		}})

	Register(&Command{Name: "sync", Args: "PLAN --peer MULTIADDR",
		Summary: "sync once with one peer until both are level, and print what moved",
		Flags: func(fs *flag.FlagSet) {
			fs.String("peer", "", "the peer's multiaddr, ending in /p2p/PEER-ID (through a relay: .../p2p/RELAY-ID/p2p-circuit/p2p/PEER-ID)")
			fs.Var(&listFlag{}, "listen", "multiaddr to listen on (repeatable)")
			fs.Duration("timeout", 2*time.Minute, "give up after this long")
		},
		Run: func(e *Env, fs *flag.FlagSet, args []string) error {
			if err := nargs(args, 1); err != nil {
				return err
			}
			if str(fs, "peer") == "" {
				return usageErr("--peer is required")
			}
			info, err := parsePeerAddr(str(fs, "peer"))
			if err != nil {
				return err
			}
			relays, err := circuitRelay(str(fs, "peer"))
			if err != nil {
				return err
			}
			lib, err := e.Library()
			if err != nil {
				return err
			}
			p, err := e.OpenPlan(args[0], false)
			if err != nil {
				return err
			}
			defer p.Close()
			if !p.IsMember(info.ID.String()) {
				return fmt.Errorf("%w: %s", p2psync.ErrNotMember, info.ID)
			}
			l := listen(fs)
			if l == nil {
				l = oneShotListen
			}
			n, err := e.node(l, false, lib, func(c *p2psync.Config) { c.Relays = relays })
			if err != nil {
				return err
			}
			defer n.Close()
			if err := n.Start(p); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), fs.Lookup("timeout").Value.(flag.Getter).Get().(time.Duration))
			defer cancel()
			st, err := n.SyncOnce(ctx, p.ID(), info)
			if err != nil {
				return err
			}
			n.Stop(p.ID())
			fmt.Fprintf(e.Stdout, "sent %d changes (%d bytes), received %d changes (%d bytes); level with %s\n",
				st.ChangesSent, st.BytesSent, st.ChangesReceived, st.BytesReceived, info.ID)
			return nil
		}})

	Register(&Command{Name: "member list", Args: "PLAN [--json]", Summary: "list the plan's member devices",
		Flags: func(fs *flag.FlagSet) { fs.Bool("json", false, "print JSON") },
		Run: func(e *Env, fs *flag.FlagSet, args []string) error {
			if err := nargs(args, 1); err != nil {
				return err
			}
			return e.read(args[0], func(p *doc.Plan) error {
				ms := p.Members()
				if str(fs, "json") == "true" {
					enc := json.NewEncoder(e.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(ms)
				}
				for _, m := range ms {
					status := ""
					if m.Removed {
						status = "  (removed)"
					}
					fmt.Fprintf(e.Stdout, "%s  %s, %s (%s)  roles: %s%s\n", m.PeerID, m.Name, m.Org, m.Side, rolesText(m), status)
				}
				return nil
			})
		}})

	Register(&Command{Name: "member remove", Args: "PLAN PEER",
		Summary: "remove a device: every peer that sees this refuses it from then on (PEER as for member role)",
		Run: func(e *Env, fs *flag.FlagSet, args []string) error {
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
		}})
}
