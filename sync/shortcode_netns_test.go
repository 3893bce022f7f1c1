package sync

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/coplan/coplan/doc"
)

// The meeting room, in network namespaces the test creates: the inviter's
// and the joiner's laptops and an eavesdropper's, each on a veth cable to
// a hub (a bridge that floods every frame, in a fourth namespace). The
// joiner finds the inviter by mDNS. Three wrong codes kill the first code,
// and both sides are told; a second code joins. The eavesdropper captures
// every frame on the hub from the start; the capture holds the join
// service's mDNS name but none of the codes (the wrong ones included), the
// plan's ID or title, or the invites.
func TestShortCodeAcrossNamespaces(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping namespace test in -short mode")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: the ip tool (iproute2) is not installed")
	}
	enter, why := netnsCommand()
	if why != "" {
		t.Skip("skipping: " + why)
	}
	tag := fmt.Sprintf("%d", os.Getpid()%100000)
	ns := map[string]string{}
	for _, r := range []string{"a", "b", "e", "hub"} {
		ns[r] = "cpsc-" + tag + "-" + r
	}
	subnet := fmt.Sprintf("10.232.%d", os.Getpid()%250)
	run := func(argv ...string) error {
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, out)
		}
		return nil
	}
	if err := run("ip", "netns", "add", ns["hub"]); err != nil {
		t.Skipf("skipping: cannot create network namespaces here: %v", err)
	}
	t.Cleanup(func() { run("ip", "netns", "del", ns["hub"]) })
	hub := func(argv ...string) []string { return enter(ns["hub"], argv...) }
	steps := [][]string{
		hub("ip", "link", "add", "br0", "type", "bridge", "ageing_time", "0"),
		hub("ip", "link", "set", "br0", "up"),
	}
	for i, r := range []string{"a", "b", "e"} {
		must(t, run("ip", "netns", "add", ns[r]))
		t.Cleanup(func() { run("ip", "netns", "del", ns[r]) })
		steps = append(steps,
			hub("ip", "link", "add", "port"+r, "type", "veth", "peer", "name", "lan"+r),
			hub("ip", "link", "set", "lan"+r, "netns", ns[r]),
			hub("ip", "link", "set", "port"+r, "master", "br0"),
			hub("ip", "link", "set", "port"+r, "up"),
			enter(ns[r], "ip", "addr", "add", fmt.Sprintf("%s.%d/24", subnet, i+1), "dev", "lan"+r),
			enter(ns[r], "ip", "link", "set", "lo", "up"),
			enter(ns[r], "ip", "link", "set", "lan"+r, "up"))
	}
	for _, step := range steps {
		must(t, run(step...))
	}

	a, b := newTestPeer(t, "Ana"), newTestPeer(t, "Bo")
	p, err := a.lib.Create("Plan in a meeting room", "Freedonia", "2025", "2027", a.author)
	must(t, err)
	planID, title := p.ID(), p.Info().Title
	must(t, p.Close())
	shared := t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	type child struct {
		name string
		out  []byte
		err  error
	}
	results := make(chan child, 3)
	start := func(role, nsName, addr string, tp *testPeer) {
		argv := enter(nsName, os.Args[0], "-test.run=^TestShortCodeNSChild$", "-test.v", "-test.count=1")
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		dir := ""
		if tp != nil {
			dir = tp.dir
		}
		cmd.Env = append(os.Environ(), "COPLAN_SC_ROLE="+role, "COPLAN_SC_DIR="+dir, "COPLAN_SC_SHARED="+shared,
			"COPLAN_SC_ADDR="+addr, "COPLAN_SC_IFACE=lan"+map[string]string{"invite": "a", "join": "b", "eavesdrop": "e"}[role])
		go func() {
			out, err := cmd.CombinedOutput()
			results <- child{role, out, err}
		}()
	}
	start("eavesdrop", ns["e"], subnet+".3", nil)
	waitFor(t, 30*time.Second, "the eavesdropper to start capturing", func() bool { return fileExists(filepath.Join(shared, "capturing")) })
	start("invite", ns["a"], subnet+".1", a)
	start("join", ns["b"], subnet+".2", b)
	outs := map[string]string{}
	for range 2 {
		c := <-results
		outs[c.name] = string(c.out)
		if c.err != nil || !strings.Contains(string(c.out), "SC-CHILD-OK") {
			must(t, os.WriteFile(filepath.Join(shared, "stop"), nil, 0o600))
			t.Fatalf("%s in its namespace: %v\n%s", c.name, c.err, c.out)
		}
		t.Logf("%s:\n%s", c.name, grepLines(string(c.out), "SC-"))
	}
	must(t, os.WriteFile(filepath.Join(shared, "stop"), nil, 0o600))
	c := <-results
	if c.err != nil || !strings.Contains(string(c.out), "SC-CHILD-OK") {
		t.Fatalf("eavesdropper: %v\n%s", c.err, c.out)
	}
	t.Logf("eavesdropper: %s", grepLines(string(c.out), "SC-"))

	// What the eavesdropper heard.
	frames, err := readPcap(filepath.Join(shared, "capture.pcap"))
	must(t, err)
	var all []byte
	flows := map[string][]byte{}
	ab := 0
	for _, f := range frames {
		all = append(all, f...)
		if src, dst, key, payload, ok := ipv4Payload(f); ok {
			flows[key] = append(flows[key], payload...)
			if (src == subnet+".1" && dst == subnet+".2") || (src == subnet+".2" && dst == subnet+".1") {
				ab++
			}
		}
	}
	for _, fl := range flows {
		all = append(all, fl...)
	}
	codes := strings.Fields(readFile(t, filepath.Join(shared, "codes")))
	if len(codes) != 5 {
		t.Fatalf("codes tried: %v", codes)
	}
	first, _ := ParseShortCode(codes[0])
	service := strings.TrimSuffix(JoinServiceName(first.Nameplate), "._udp")
	if !bytes.Contains(all, []byte(service)) {
		t.Fatalf("the capture (%d frames) lacks the join service %s: it did not hear the room", len(frames), service)
	}
	if ab < 10 {
		t.Fatalf("only %d frames between the two laptops captured", ab)
	}
	// Words under five letters would turn up in a megabyte of ciphertext
	// by chance; the code forms cover them.
	secrets := map[string]string{"plan ID": planID, "plan title": title}
	for i, c := range codes {
		sc, _ := ParseShortCode(c)
		secrets[fmt.Sprintf("code %d", i+1)] = sc.String()
		secrets[fmt.Sprintf("code %d in capitals", i+1)] = strings.ToUpper(sc.String())
		secrets[fmt.Sprintf("code %d's words", i+1)] = strings.Join(sc.Words[:], "-")
		for _, w := range sc.Words {
			if len(w) >= 5 {
				secrets["word "+w] = w
			}
		}
	}
	for what, s := range secrets {
		if bytes.Contains(all, []byte(s)) {
			t.Errorf("the eavesdropper heard %s (%q)", what, s)
		}
	}
	for _, line := range strings.Fields(readFile(t, filepath.Join(a.dir, "data", "sync", planID, "invites"))) {
		if len(line) == 16 && bytes.Contains(all, mustHex(line)) {
			t.Error("the eavesdropper heard an invite's nonce")
		}
	}
	t.Logf("eavesdropper: %d frames, %d between the laptops, the join service's mDNS name, and none of %d secrets",
		len(frames), ab, len(secrets))
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return string(b)
}

// waitFile waits for a file to exist and returns its content.
func waitFile(t *testing.T, p string, d time.Duration) string {
	t.Helper()
	waitFor(t, d, filepath.Base(p), func() bool { return fileExists(p) })
	return readFile(t, p)
}

// writeFileAtomic makes a file appear whole to a process polling for it.
func writeFileAtomic(t *testing.T, p, content string) {
	t.Helper()
	must(t, os.WriteFile(p+".tmp", []byte(content), 0o600))
	must(t, os.Rename(p+".tmp", p))
}

// TestShortCodeNSChild is one laptop of TestShortCodeAcrossNamespaces; it
// does nothing unless that test started it inside a namespace.
func TestShortCodeNSChild(t *testing.T) {
	role := os.Getenv("COPLAN_SC_ROLE")
	if role == "" {
		t.Skip("runs only as a child of TestShortCodeAcrossNamespaces")
	}
	shared, dir, addr := os.Getenv("COPLAN_SC_SHARED"), os.Getenv("COPLAN_SC_DIR"), os.Getenv("COPLAN_SC_ADDR")
	if role == "eavesdrop" {
		n := capture(t, os.Getenv("COPLAN_SC_IFACE"), filepath.Join(shared, "capture.pcap"),
			func() { writeFileAtomic(t, filepath.Join(shared, "capturing"), "") },
			func() bool { return fileExists(filepath.Join(shared, "stop")) })
		fmt.Printf("SC-CAPTURED %d frames\n", n)
		fmt.Println("SC-CHILD-OK")
		return
	}
	id, err := LoadOrCreateIdentity(filepath.Join(dir, "config"))
	must(t, err)
	lib, err := doc.OpenLibrary(filepath.Join(dir, "data"))
	must(t, err)
	n, err := NewNode(Config{Identity: id, Listen: []string{"/ip4/" + addr + "/tcp/0", "/ip4/" + addr + "/udp/0/quic-v1"},
		StateDir: filepath.Join(dir, "data", "sync"), Library: lib, MDNS: role == "invite",
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	must(t, err)
	defer n.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	if role == "invite" {
		ids, err := lib.IDs()
		must(t, err)
		a := testAuthor(t, id, "Ana")
		a.Org, a.Side = "", ""
		p, err := lib.Open(ids[0], a)
		must(t, err)
		defer p.Close()
		must(t, n.Start(p))
		code, done, err := n.InviteWords(ctx, p.ID(), time.Minute)
		must(t, err)
		writeFileAtomic(t, filepath.Join(shared, "code1"), code)
		r := <-done
		if !errors.Is(r.Err, ErrCodeDead) {
			t.Fatalf("first code ended with %+v; want it dead after three wrong codes", r)
		}
		fmt.Printf("SC-INVITER first code %s: %v\n", code, r.Err)
		code, done, err = n.InviteWords(ctx, p.ID(), time.Minute)
		must(t, err)
		writeFileAtomic(t, filepath.Join(shared, "code2"), code)
		r = <-done
		if r.Err != nil || r.Member.Name != "Bo" {
			t.Fatalf("second code ended with %+v", r)
		}
		fmt.Printf("SC-INVITER second code %s: %s joined\n", code, r.Member.Name)
		// Stay until the joiner has had its first sync and leaves.
		waitFile(t, filepath.Join(shared, "joined"), 60*time.Second)
		fmt.Println("SC-CHILD-OK")
		return
	}
	author := testAuthor(t, id, "Bo")
	author.Side = doc.Government
	first, err := ParseShortCode(waitFile(t, filepath.Join(shared, "code1"), 60*time.Second))
	must(t, err)
	words, _ := wordIndex()
	var tried []string
	for i := range ShortCodeAttempts {
		wrong := ShortCode{Nameplate: first.Nameplate, Words: [2]string{words[3*i], words[3*i+1]}}
		if wrong.String() == first.String() {
			wrong.Words[1] = words[3*i+2]
		}
		tried = append(tried, wrong.String())
		_, err := n.JoinWords(ctx, wrong.String(), author)
		want := ErrCodeWrong
		if i == ShortCodeAttempts-1 {
			want = ErrCodeDead
		}
		if !errors.Is(err, want) {
			t.Fatalf("wrong code %d: %v; want %v", i+1, err, want)
		}
		fmt.Printf("SC-JOINER wrong code %s: %v\n", wrong, err)
	}
	code := waitFile(t, filepath.Join(shared, "code2"), 60*time.Second)
	writeFileAtomic(t, filepath.Join(shared, "codes"), strings.Join(append([]string{first.String()}, append(tried, code)...), "\n"))
	began := time.Now()
	p, err := n.Join(ctx, code, author)
	must(t, err)
	defer p.Close()
	took := time.Since(began)
	me, _ := p.Member(id.PeerID.String())
	inviter, err := decodePeer(me.AddedBy)
	must(t, err)
	must(t, n.WaitLevel(ctx, p.ID(), inviter, began))
	writeFileAtomic(t, filepath.Join(shared, "joined"), "")
	fmt.Printf("SC-JOINER joined %q with %s in %s, level in %s\n", p.Info().Title, code, took.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	fmt.Println("SC-CHILD-OK")
}

// capture records every frame on iface (promiscuously) into a pcap file
// until stop says so, polling at most 120 s, and returns the count.
func capture(t *testing.T, iface, path string, ready func(), stop func() bool) int {
	t.Helper()
	ifi, err := net.InterfaceByName(iface)
	must(t, err)
	proto := int(htons(unix.ETH_P_ALL))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, proto)
	must(t, err)
	defer unix.Close(fd)
	must(t, unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}))
	must(t, unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP,
		&unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}))
	must(t, unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 200000}))
	var out bytes.Buffer
	// pcap: magic, version 2.4, zone, sigfigs, snaplen, link type Ethernet.
	binary.Write(&out, binary.LittleEndian, struct {
		Magic        uint32
		Major, Minor uint16
		Zone, Sig    int32
		Snap, Link   uint32
	}{0xa1b2c3d4, 2, 4, 0, 0, 65535, 1})
	ready()
	buf := make([]byte, 65536)
	count := 0
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline) && !stop(); {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil || n <= 0 {
			continue
		}
		now := time.Now()
		for _, v := range []uint32{uint32(now.Unix()), uint32(now.Nanosecond() / 1000), uint32(n), uint32(n)} {
			binary.Write(&out, binary.LittleEndian, v)
		}
		out.Write(buf[:n])
		count++
	}
	must(t, os.WriteFile(path, out.Bytes(), 0o600))
	return count
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// readPcap returns the frames of a pcap file written by capture.
func readPcap(path string) ([][]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(raw) < 24 || binary.LittleEndian.Uint32(raw) != 0xa1b2c3d4 {
		return nil, errors.New("not a little-endian pcap file")
	}
	var frames [][]byte
	for off := 24; off+16 <= len(raw); {
		n := int(binary.LittleEndian.Uint32(raw[off+8:]))
		off += 16
		if off+n > len(raw) {
			return nil, errors.New("truncated pcap record")
		}
		frames = append(frames, raw[off:off+n])
		off += n
	}
	return frames, nil
}

// ipv4Payload picks apart an Ethernet frame carrying IPv4 TCP or UDP.
func ipv4Payload(f []byte) (src, dst, flow string, payload []byte, ok bool) {
	if len(f) < 14+20 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
		return
	}
	ip := f[14:]
	ihl := int(ip[0]&0x0f) * 4
	if ihl < 20 || len(ip) < ihl {
		return
	}
	total := min(int(binary.BigEndian.Uint16(ip[2:])), len(ip))
	src, dst = net.IP(ip[12:16]).String(), net.IP(ip[16:20]).String()
	l4 := ip[ihl:total]
	switch ip[9] {
	case 6:
		if len(l4) < 20 {
			return
		}
		off := int(l4[12]>>4) * 4
		if off > len(l4) {
			return
		}
		payload = l4[off:]
	case 17:
		if len(l4) < 8 {
			return
		}
		payload = l4[8:]
	default:
		return
	}
	flow = fmt.Sprintf("%d %s:%d > %s:%d", ip[9], src, binary.BigEndian.Uint16(l4), dst, binary.BigEndian.Uint16(l4[2:]))
	return src, dst, flow, payload, true
}
