package cli_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	p2psync "github.com/coplan/coplan/sync"
)

// measureChild runs its arguments as a command and prints its wall time
// and peak memory. It runs as a process of its own because Linux carries a
// process's peak memory over exec: a command started straight from the
// benchmark, which holds a big plan in memory, would report the
// benchmark's peak as its own.
func measureChild() {
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(wall.Nanoseconds(), cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss*1024)
	os.Exit(0)
}

// bigPlanWords is a seeded text of n words.
func bigPlanWords(r *rand.Rand, n int) string {
	words := strings.Fields("open data government contracts publish register beneficial ownership citizens forum budget milestone agency review transparency")
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String()
}

// BenchmarkListAfterSet: coplan list right after a coplan commitment set on
// a plan of 50 commitments of 2,000 words each, both as the real coplan
// binary (built here), measured as the list process's wall time and peak
// memory (targets: 50 ms, 60 MB).
func BenchmarkListAfterSet(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "coplan")
	build := exec.Command("go", "build", "-o", bin, "github.com/coplan/coplan")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	data, conf := b.TempDir(), b.TempDir()
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	coplan := func(args ...string) (time.Duration, int64) {
		cmd := exec.Command(self, append([]string{bin, "--data-dir", data, "--config-dir", conf}, args...)...)
		cmd.Env = append(os.Environ(), "COPLAN_MEASURE_CHILD=1")
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("coplan %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		var wall time.Duration
		var rss int64
		if _, err := fmt.Sscan(string(out), &wall, &rss); err != nil {
			b.Fatalf("measure: %q: %v", out, err)
		}
		return wall, rss
	}
	coplan("profile", "set", "--name", "Ann", "--org", "Cabinet Office", "--side", "government")
	lib, err := doc.OpenLibrary(data)
	if err != nil {
		b.Fatal(err)
	}
	// The plan is founded by the device the commands run as.
	id, err := p2psync.LoadOrCreateIdentity(conf)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := id.Key.Raw()
	key, err := doc.DeviceKey(raw)
	if err != nil {
		b.Fatal(err)
	}
	dev, _ := authority.DeviceOfKey(key)
	ann := doc.Author{PeerID: dev.PeerID(), Name: "Ann", Org: "Cabinet Office", Side: doc.Government, Key: key}
	p, err := lib.Create("Big plan", "Testland", "2025", "2027", ann)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(50, 2000))
	for i := 0; i < 50; i++ {
		id, err := p.AddCommitment(doc.NewCommitment{Title: fmt.Sprint("Commitment ", i+1)})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.SetText(doc.CommitmentText(id, "description"), bigPlanWords(r, 2000)); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
	var setT, listT time.Duration
	var listRSS int64
	for i := 0; i < b.N; i++ {
		st, _ := coplan("commitment", "set", p.ID(), "1", "title", fmt.Sprint("Renamed ", i))
		lt, rss := coplan("list")
		setT, listT, listRSS = setT+st, listT+lt, max(listRSS, rss)
	}
	if !lib.CacheFresh(p.ID()) {
		b.Fatal("the cache went stale")
	}
	b.ReportMetric(float64(setT.Milliseconds())/float64(b.N), "set-ms")
	b.ReportMetric(float64(listT.Microseconds())/1000/float64(b.N), "list-ms")
	b.ReportMetric(float64(listRSS)/(1<<20), "list-MB")
	_ = os.Remove(bin)
}
