package authority

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system time: on a loaded machine it says
// more than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPlan is 1,000 statements: a genesis, 49 members added, 20 role
// changes and 930 change attestations by the members, each device's
// attestations chained, some made on stale heads (concurrency).
func benchPlan(tb testing.TB) (string, [][]byte) {
	founder := newDev("bench founder")
	planID, g, err := Found(founder.priv, "Founder", "", Government, "", t0)
	if err != nil {
		tb.Fatal(err)
	}
	stmts := [][]byte{g}
	head := StatementID(g)
	at := t0
	sign := func(d *dev, l Links, b Body) ID {
		at = at.Add(time.Second)
		raw, err := Sign(d.priv, planID, l, at, b)
		if err != nil {
			tb.Fatal(err)
		}
		stmts = append(stmts, raw)
		return StatementID(raw)
	}
	devs := []*dev{founder}
	for i := range 49 {
		d := newDev(fmt.Sprintf("bench %d", i))
		side := Government
		if i%2 == 1 {
			side = CivilSociety
		}
		head = sign(founder, Links{Parents: []ID{head}}, NewAddMember(d.d, fmt.Sprintf("Member %d", i), "Org", side))
		devs = append(devs, d)
	}
	for i := range 20 {
		var b Body
		switch {
		case i < 8:
			b = NewGrantRole(devs[1+i].d, RoleAdmin)
		case i < 14:
			b = NewRevokeRole(devs[i-7].d, RoleAdmin)
		case i == 14:
			b = NewGrantRole(devs[1].d, RoleMinister) // member 0: government side
		case i == 15:
			b = NewGrantRole(devs[3].d, RoleCoChair)
		case i == 16:
			b = NewGrantRole(devs[4].d, RoleCoChair)
		default:
			b = NewGrantRole(devs[10+i].d, RoleAdmin)
		}
		head = sign(founder, Links{Parents: []ID{head}}, b)
	}
	last := map[*dev]ID{}
	seq := map[*dev]uint64{}
	for i := range 930 {
		d := devs[i%len(devs)]
		l := Links{Parents: []ID{head}}
		if p, ok := last[d]; ok {
			l.Seen = []ID{p}
		}
		from := seq[d] + 1
		seq[d] += 25
		last[d] = sign(d, l, NewAttestation(fmt.Sprintf("%032x", i%len(devs)+1), from, seq[d], heads(fmt.Sprint(i))[0]))
	}
	return planID, stmts
}

// BenchmarkEvaluate: computing effective authority from 1,000 statements.
// cold checks every signature (as on opening a plan); warm re-evaluates with
// the evaluator's cache, as when one statement arrives.
func BenchmarkEvaluate(b *testing.B) {
	planID, stmts := benchPlan(b)
	check := func(s *State) {
		if len(s.Members()) != 50 || len(s.Rejected) != 0 || len(s.Attributions()) != 50 {
			b.Fatalf("members %d rejected %d actors %d", len(s.Members()), len(s.Rejected), len(s.Attributions()))
		}
	}
	b.Run("cold", func(b *testing.B) {
		c0 := cpuTime()
		defer func() { b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op") }()
		for b.Loop() {
			s, err := Evaluate(planID, stmts)
			if err != nil {
				b.Fatal(err)
			}
			check(s)
		}
	})
	b.Run("warm", func(b *testing.B) {
		ev := NewEvaluator()
		if _, err := ev.Evaluate(planID, stmts); err != nil {
			b.Fatal(err)
		}
		c0 := cpuTime()
		defer func() { b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op") }()
		for b.Loop() {
			s, err := ev.Evaluate(planID, stmts)
			if err != nil {
				b.Fatal(err)
			}
			check(s)
		}
	})
}

// benchLargePlan is 5,000 statements: two administrators admitting 400
// members on branches that merge every 10 statements (so most pasts are
// not a whole prefix), 200 invites and their redemptions, and 3,800 change
// attestations.
func benchLargePlan(tb testing.TB) (string, [][]byte) {
	founder, second := newDev("large founder"), newDev("large second")
	planID, g, err := Found(founder.priv, "Founder", "", Government, "", t0)
	if err != nil {
		tb.Fatal(err)
	}
	stmts := [][]byte{g}
	at := t0
	sign := func(d *dev, l Links, b Body) ID {
		at = at.Add(time.Second)
		raw, err := Sign(d.priv, planID, l, at, b)
		if err != nil {
			tb.Fatal(err)
		}
		stmts = append(stmts, raw)
		return StatementID(raw)
	}
	head := sign(founder, Links{Parents: []ID{StatementID(g)}}, NewAddMember(second.d, "Second", "", Government))
	head = sign(founder, Links{Parents: []ID{head}}, NewGrantRole(second.d, RoleAdmin))
	a, b := head, head
	var members []*dev
	for i := range 400 {
		d := newDev(fmt.Sprintf("large %d", i))
		members = append(members, d)
		if i%2 == 0 {
			a = sign(founder, Links{Parents: []ID{a}}, NewAddMember(d.d, fmt.Sprintf("M%d", i), "", Government))
		} else {
			b = sign(second, Links{Parents: []ID{b}}, NewAddMember(d.d, fmt.Sprintf("M%d", i), "", CivilSociety))
		}
		if i%10 == 9 {
			a = sign(founder, Links{Parents: sortedIDs([]ID{a, b})}, NewSettings(false, i%20 == 9))
			b = a
		}
	}
	for i := range 200 {
		inviter := members[i]
		inv := sign(inviter, Links{Parents: []ID{a}}, NewInvite(at.Add(time.Hour), "", "", ""))
		j := newDev(fmt.Sprintf("joiner %d", i))
		a = sign(j, Links{Parents: []ID{inv}}, NewRedemption(inv, fmt.Sprintf("J%d", i), "", CivilSociety))
	}
	for i := range 5000 - len(stmts) {
		d := members[i%len(members)]
		sign(d, Links{Parents: []ID{a}}, NewAttestation(fmt.Sprintf("%032x", i%len(members)+1), uint64(i+1), uint64(i+1), heads(fmt.Sprint(i))[0]))
	}
	return planID, stmts
}

func BenchmarkEvaluateLarge(b *testing.B) {
	planID, stmts := benchLargePlan(b)
	ev := NewEvaluator()
	if _, err := ev.Evaluate(planID, stmts); err != nil {
		b.Fatal(err)
	}
	c0 := cpuTime()
	for b.Loop() {
		s, err := ev.Evaluate(planID, stmts)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Members()) != 602 || len(s.Rejected) != 0 {
			b.Fatalf("members %d rejected %d", len(s.Members()), len(s.Rejected))
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op")
}
