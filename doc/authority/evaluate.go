package authority

import (
	"bytes"
	"container/heap"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Evaluator computes States, caching what it has parsed and verified: a
// statement's ID is the hash of its bytes, so bytes seen once need not have
// their signature checked again. Safe for concurrent use.
type Evaluator struct {
	mu        sync.Mutex
	cache     map[ID]parsed
	trusted   map[ID]bool // signatures checked earlier, by this device (Trust)
	checkPast func(e *eval, past posSet, s *astate)
}

// parsed is a statement's bytes as far as they depend on nothing else: st
// (nil when malformed), err (why it is malformed, or its key registration
// proof's failure) and what its own signature was found to be. Whether it is
// authentic by being vouched for depends on the set, so is found each time.
type parsed struct {
	st  *Statement
	err error
	sig sigState
}

// NewEvaluator returns an Evaluator with an empty cache.
func NewEvaluator() *Evaluator { return &Evaluator{cache: map[ID]parsed{}} }

// Trust tells the evaluator that the statements with these IDs had their
// signatures checked before (an ID is the SHA-256 of the statement's
// bytes, so it names exactly the bytes checked): they are parsed, and
// judged, but their signatures are not checked again. For a cache this
// device kept of its own checks (Verified), never for IDs from elsewhere.
func (ev *Evaluator) Trust(ids []ID) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.trusted == nil {
		ev.trusted = make(map[ID]bool, len(ids))
	}
	for _, id := range ids {
		ev.trusted[id] = true
	}
}

// Verified lists the statements of the latest evaluation whose bytes
// parsed and whose signatures verified, by ID: what to keep for Trust.
func (ev *Evaluator) Verified() []ID {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	out := make([]ID, 0, len(ev.cache))
	for id, p := range ev.cache {
		if p.err == nil && p.st != nil && p.sig == sigGood {
			out = append(out, id)
		}
	}
	return sortedIDs(out)
}

// Evaluate computes the effective authority of the plan planID from a set of
// statements (in any order, duplicates allowed): see the package comment for
// the rules. Statements that are malformed, of another plan or against the
// rules are listed in State.Rejected; those waiting for parents not in the
// set, in State.Pending. It fails only when planID is not a plan ID or the
// plan's genesis statement is not in the set.
func Evaluate(planID string, stmts [][]byte) (*State, error) {
	return NewEvaluator().Evaluate(planID, stmts)
}

// Evaluate is the package's Evaluate, with the evaluator's cache. The cache
// keeps the statements of the latest call only.
func (ev *Evaluator) Evaluate(planID string, stmts [][]byte) (*State, error) {
	if _, err := planIDBytes(planID); err != nil {
		return nil, err
	}
	nodes := ev.parseAll(stmts)
	e := &eval{planID: planID, nodes: nodes, void: map[*node]error{}, checkPast: ev.checkPast}
	if err := e.run(); err != nil {
		return nil, err
	}
	return e.state(), nil
}

func (ev *Evaluator) parseAll(stmts [][]byte) map[ID]*node {
	nodes := make(map[ID]*node, len(stmts))
	var todo []*node
	ev.mu.Lock()
	old := ev.cache
	ev.cache = make(map[ID]parsed, len(stmts))
	for _, raw := range stmts {
		id := idOf(raw)
		if nodes[id] != nil {
			continue
		}
		n := &node{id: id, raw: raw, pos: -1}
		nodes[id] = n
		if p, ok := old[id]; ok {
			n.st, n.perr, n.sig = p.st, p.err, p.sig
		} else {
			todo = append(todo, n)
		}
	}
	trusted := ev.trusted
	ev.trusted = nil // used once: the cache keeps what it vouched for
	ev.mu.Unlock()

	// Each core parses its share; a key registration's proof of
	// possession depends only on the statement's bytes, so it is cached
	// with the parse.
	parallel(len(todo), 64, func(from, to int) {
		for _, n := range todo[from:to] {
			n.st, n.perr = parseUnverified(n.raw, n.id)
			if n.perr == nil {
				n.perr = checkKeyProof(n.st)
			}
		}
	})
	for _, n := range todo {
		if n.st == nil {
			n.sig = sigBad
		}
	}
	for _, n := range nodes {
		if n.st != nil && n.sig == sigUnknown && trusted[n.id] {
			n.sig = sigGood
		}
	}
	authenticate(nodes)
	ev.mu.Lock()
	for _, n := range nodes {
		if n.st != nil {
			ev.cache[n.id] = parsed{st: n.st, err: n.perr, sig: n.sig}
		} else {
			ev.cache[n.id] = parsed{err: n.perr, sig: sigBad}
		}
	}
	for _, n := range nodes {
		if n.st != nil && n.sig != sigGood && !n.vouched {
			n.st, n.perr = nil, ErrBadSignature
		}
	}
	ev.mu.Unlock()
	return nodes
}

// parallel calls f(0..n-1), in chunks taken by the caller and up to one
// helper per further core: on a loaded machine a helper that is not
// scheduled leaves its chunks to the others instead of holding them up.
func parallel(n, chunk int, f func(from, to int)) {
	var next atomic.Int64
	work := func() {
		for {
			to := int(next.Add(int64(chunk)))
			from := to - chunk
			if from >= n {
				return
			}
			f(from, min(to, n))
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 8, (n+chunk-1)/chunk) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

// checkSignatures checks the nodes' own signatures, in batches (verify.go).
func checkSignatures(ns []*node) []bool {
	ok := make([]bool, len(ns))
	chunk := max(32, (len(ns)+1)/2)
	parallel(len(ns), chunk, func(from, to int) {
		jobs := make([]sigJob, 0, to-from)
		for _, n := range ns[from:to] {
			unsigned := n.raw[:len(n.raw)-ed25519.SignatureSize]
			jobs = append(jobs, sigJob{pub: n.st.Signer[:], msg: signedMessage(unsigned), sig: n.raw[len(unsigned):]})
		}
		verifyBatch(jobs)
		for i := range jobs {
			ok[from+i] = jobs[i].ok
		}
	})
	return ok
}

// sigState is what is known of a statement's own signature.
type sigState uint8

const (
	sigUnknown sigState = iota // not checked
	sigGood                    // checked (now, or by this device before: Trust)
	sigBad                     // checked and fails, or the bytes do not parse
)

// authenticate decides whose bytes are authentic: a statement's whose own
// signature verifies, and a change attestation's that an authentic
// statement of the same device names as seen (n.vouched): that signature
// covers the attestation's ID, the SHA-256 of its bytes, so the device
// vouched for exactly those bytes. Each device's attestations chain, so of
// a plan's thousand statements by fifty devices about fifty attestations'
// signatures need checking. Only attestations are vouched for: every other
// statement's own signature is checked, as Parse checks it. The authentic
// set is a function of the set of statements alone (those whose signature
// verifies, closed under vouching), whichever are checked first:
// signatures are checked of the statements nothing names, then of any
// still unproven.
func authenticate(nodes map[ID]*node) {
	var vouchers []*node
	for _, v := range nodes {
		if v.st == nil {
			continue
		}
		for _, id := range v.st.Links.Seen {
			if t := nodes[id]; t != nil && t != v && t.st != nil && t.st.Kind == KindAttestation && t.st.Signer == v.st.Signer {
				if len(v.vouches) == 0 {
					vouchers = append(vouchers, v)
				}
				v.vouches = append(v.vouches, t)
				t.named = true
			}
		}
	}
	var stack []*node
	spread := func() {
		for _, v := range vouchers {
			if v.sig == sigGood {
				stack = append(stack, v)
			}
		}
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, t := range v.vouches {
				if !t.vouched {
					t.vouched = true
					stack = append(stack, t)
				}
			}
		}
	}
	check := func(want func(*node) bool) {
		var batch []*node
		for _, n := range nodes {
			if n.st != nil && n.sig == sigUnknown && !n.vouched && want(n) {
				batch = append(batch, n)
			}
		}
		for i, ok := range checkSignatures(batch) {
			batch[i].sig = sigBad
			if ok {
				batch[i].sig = sigGood
			}
		}
		spread()
	}
	check(func(n *node) bool { return !n.named })
	check(func(*node) bool { return true })
}

// node is one statement during an evaluation.
type node struct {
	id      ID
	raw     []byte
	st      *Statement // nil when malformed
	perr    error      // why it could not be judged at all
	pos     int        // place in the canonical order of the DAG, -1 if none
	par     []*node    // the parents present, of any kind
	dagPar  []*node    // the parents that are DAG statements of this plan
	seen    []*node    // the seen attestations present
	missing bool       // a parent is not in the set: it waits
	linkErr error      // it names a parent or seen statement it may not
	past    posSet     // the DAG statements in its causal past, by pos
	cl      posSet     // past and itself

	limit   int    // an attestation is judged when the fold reaches this position
	who     signed // for releases and endorsements: the key and signer as its past knew them
	valid   bool
	causal  bool // valid in its causal past (the global fold may still reject it)
	err     error
	deps    []token
	anyOf   [][]token // alternative grants relied on (ctx.anyOf)
	signer  judgedSigner
	flag    bool // attestation made concurrently with its device's removal
	judged  bool // attestation whose parents are all placed
	sig     sigState
	vouches []*node // the statements of the same signer it names
	named   bool    // a statement of the same signer names it
	vouched bool    // an authentic statement of the same signer names it
}

func (n *node) ok() bool { return n.st != nil && n.perr == nil }

type eval struct {
	planID  string
	nodes   map[ID]*node
	all     []*node // by ID
	genesis *node
	order   []*node // the DAG, in canonical order
	atts    []*node // attestations that can be judged, by ID
	memo    stateCache
	ck      []*astate // the fold before position i*checkpointEvery
	byLimit [][]*node // attestations by the position they are judged at
	g       *astate   // the running global fold
	void    map[*node]error
	reach   map[*node]map[*node]bool
	// checkPast, set by tests, sees every past state used in judging.
	checkPast func(e *eval, past posSet, s *astate)
}

func (e *eval) run() error {
	e.all = make([]*node, 0, len(e.nodes))
	for _, n := range e.nodes {
		e.all = append(e.all, n)
	}
	slices.SortFunc(e.all, func(a, b *node) int { return bytes.Compare(a.id[:], b.id[:]) })
	for _, n := range e.all {
		if !n.ok() {
			continue
		}
		switch {
		case n.st.Kind == KindGenesis && PlanIDOf(n.id) == e.planID:
			e.genesis = n
		case n.st.Kind == KindGenesis:
			n.perr = fmt.Errorf("%w: genesis of plan %s", ErrOtherPlan, PlanIDOf(n.id))
		case n.st.PlanID != e.planID:
			n.perr = fmt.Errorf("%w: %s", ErrOtherPlan, n.st.PlanID)
		}
	}
	if e.genesis == nil {
		return fmt.Errorf("%w: plan %s", ErrNoGenesis, e.planID)
	}
	e.link()
	if n := e.countDAG(); n > MaxDAGStatements {
		return fmt.Errorf("%w: %d statements besides change attestations (at most %d)", ErrTooLarge, n, MaxDAGStatements)
	}
	e.place()
	for range len(e.order) + 1 { // the void set only grows: this ends
		e.pass()
		if !e.voidPass() {
			break
		}
	}
	e.flagAttestations()
	return nil
}

// MaxDAGStatements bounds the statements other than change attestations a
// plan may hold: each keeps the set of its causal past (a bit per
// statement), so a flood of them would otherwise exhaust memory.
const MaxDAGStatements = 20_000

func (e *eval) countDAG() int {
	n := 0
	for _, x := range e.all {
		if x.ok() && x.st.Kind.inDAG() {
			n++
		}
	}
	return n
}

// link resolves every statement's parents and seen statements.
func (e *eval) link() {
	for _, n := range e.all {
		if !n.ok() {
			continue
		}
		for _, p := range n.st.Links.Parents {
			pn := e.nodes[p]
			switch {
			case pn == nil:
				n.missing = true
				continue
			case pn.st == nil:
				n.setLinkErr("parent %s is malformed", p.Short())
			case pn.perr != nil:
				n.setLinkErr("parent %s is of another plan", p.Short())
			case !pn.st.Kind.inDAG():
				n.setLinkErr("parent %s is a change attestation (those are named as seen)", p.Short())
			default:
				n.dagPar = append(n.dagPar, pn)
			}
			n.par = append(n.par, pn)
		}
		for _, s := range n.st.Links.Seen {
			sn := e.nodes[s]
			switch {
			case sn == nil || !sn.ok():
			case sn.st.Kind.inDAG():
				n.setLinkErr("seen statement %s is not a change attestation", s.Short())
				n.par = append(n.par, sn)
			default:
				n.seen = append(n.seen, sn)
			}
		}
	}
}

func (n *node) setLinkErr(format string, a ...any) {
	if n.linkErr == nil {
		n.linkErr = fmt.Errorf("%w: "+format, append([]any{ErrBadParent}, a...)...)
	}
}

// place puts the DAG in its canonical order: Kahn's algorithm taking, of
// the statements whose parents are all placed, the smallest ID first. The
// order depends only on the set (it is the smallest topological order by
// ID), and its restriction to any causally closed subset is that subset's
// own canonical order.
func (e *eval) place() {
	indeg := map[*node]int{}
	children := map[*node][]*node{}
	h := &nodeHeap{}
	for _, n := range e.all {
		if !n.ok() || !n.st.Kind.inDAG() || n.missing {
			continue
		}
		indeg[n] = len(n.dagPar)
		for _, p := range n.dagPar {
			children[p] = append(children[p], n)
		}
		if len(n.dagPar) == 0 {
			heap.Push(h, n)
		}
	}
	for h.Len() > 0 {
		n := heap.Pop(h).(*node)
		n.pos = len(e.order)
		e.order = append(e.order, n)
		for _, c := range children[n] {
			if indeg[c]--; indeg[c] == 0 {
				heap.Push(h, c)
			}
		}
	}
	words := (len(e.order) + 63) / 64
	for _, n := range e.order {
		n.past = e.union(n.dagPar, words)
		n.cl = n.past.with(n.pos)
	}
	for _, n := range e.all {
		if !n.ok() || n.st.Kind.inDAG() || n.missing {
			continue
		}
		if slices.ContainsFunc(n.dagPar, func(p *node) bool { return p.pos < 0 }) {
			continue // waits for a pending parent
		}
		n.past = e.union(n.dagPar, words)
		n.judged = true
		for _, p := range n.dagPar {
			n.limit = max(n.limit, p.pos+1)
		}
		e.atts = append(e.atts, n)
	}
	e.byLimit = make([][]*node, len(e.order)+1)
	for _, n := range e.atts {
		e.byLimit[n.limit] = append(e.byLimit[n.limit], n)
	}
}

func (e *eval) union(ps []*node, words int) posSet {
	switch len(ps) {
	case 0:
		return make(posSet, words)
	case 1:
		return ps[0].cl
	}
	out := slices.Clone(ps[0].cl)
	for _, p := range ps[1:] {
		for i, w := range p.cl {
			out[i] |= w
		}
	}
	return out
}

func (e *eval) inPastOf(n *node) func(ID) bool {
	return func(id ID) bool {
		m := e.nodes[id]
		return m != nil && m.pos >= 0 && n.past.has(m.pos)
	}
}

// checkpointEvery: the fold is copied every so many positions, so the state
// of a causal past that is not a whole prefix of the order is rebuilt from
// the last copy before its first gap.
const checkpointEvery = 32

// stateOf is the authority state of a causal past (a causally closed set of
// positions below limit): the valid statements of that past folded in
// canonical order. When the past is the whole prefix below limit (the usual
// case: the signer had seen everything before it), that is the running fold
// itself, which the caller must not change. Otherwise it is rebuilt from the
// checkpoint before the past's first gap.
func (e *eval) stateOf(past posSet, limit int) *astate {
	gap := past.firstZero()
	if gap >= limit {
		return e.g
	}
	key := past.key()
	if s := e.memo.get(key); s != nil {
		return s
	}
	c := gap / checkpointEvery
	s := e.ck[c].clone()
	past.eachIn(c*checkpointEvery, limit, func(i int) { e.applyNode(s, e.order[i]) })
	e.memo.put(key, s)
	return s
}

func (e *eval) applyNode(s *astate, m *node) {
	if m.valid && changesState(m.st.Kind) {
		apply(s, m.st, m.pos, m.signer)
	}
}

// pass judges every statement in canonical order, given the void set:
// each DAG statement against the state of its causal past and the running
// fold, and each attestation once the fold has reached its parents.
func (e *eval) pass() {
	e.g = newState()
	e.memo = stateCache{}
	e.ck = e.ck[:0]
	for i, n := range e.order {
		if i%checkpointEvery == 0 {
			e.ck = append(e.ck, e.g.clone())
		}
		e.judgeAttestationsAt(i)
		n.valid, n.causal, n.err, n.deps, n.anyOf, n.signer, n.who = false, false, nil, nil, nil, judgedSigner{senior: -1}, signed{}
		if n.linkErr != nil {
			n.err = n.linkErr
			continue
		}
		if err := e.void[n]; err != nil {
			n.err = err
			continue
		}
		p := e.stateOf(n.past, i)
		if e.checkPast != nil {
			e.checkPast(e, n.past, p)
		}
		c := &ctx{st: n.st, inPast: e.inPastOf(n), pos: n.pos}
		if err := c.judge(p, nil); err != nil {
			n.err = err
			continue
		}
		n.causal, n.deps, n.anyOf, n.signer, n.who = true, c.deps, c.anyOf, c.signer(), signedBy(p, n.st, c.member)
		if err := c.target(e.g, true); err != nil {
			n.err = fmt.Errorf("%w: %w", ErrConflict, err)
			continue
		}
		n.valid = true
		if changesState(n.st.Kind) {
			apply(e.g, n.st, n.pos, n.signer)
		}
	}
	e.judgeAttestationsAt(len(e.order))
}

// judgeAttestationsAt judges the attestations whose latest parent is just
// before position i: valid when the device was a member in its causal past.
func (e *eval) judgeAttestationsAt(i int) {
	for _, n := range e.byLimit[i] {
		n.valid, n.err, n.deps, n.signer, n.flag = false, nil, nil, judgedSigner{senior: -1}, false
		if n.linkErr != nil {
			n.err = n.linkErr
			continue
		}
		c := &ctx{st: n.st, inPast: e.inPastOf(n)}
		p := e.stateOf(n.past, i)
		if e.checkPast != nil {
			e.checkPast(e, n.past, p)
		}
		if err := c.auth(p); err != nil {
			n.err = err
			continue
		}
		n.valid, n.deps, n.signer = true, c.deps, c.signer()
	}
}

// voidPass: a revocation valid in its causal past voids every statement
// valid in its own causal past that relied on what it revokes and is
// concurrent with it (neither had seen the other). Voids are settled before
// the conflicts of the global fold, which they can change. Revocations that
// would void each other are taken in order of seniority (the member
// admitted first in the canonical order wins, then the canonical order), a
// voided one voiding nothing; concurrent redemptions of one invite, by
// smallest statement ID. A statement relying on one of several grants
// (anyOf) is voided once revocations it had not seen took every one of
// them. Reports whether the void set grew.
func (e *eval) voidPass() bool {
	relying := map[token][]*node{}
	type alt struct {
		n *node
		g int
	}
	alts := map[token][]alt{}
	taken := map[alt]map[token]bool{}
	var revs []*node
	for _, n := range e.order {
		if !n.causal {
			continue
		}
		for _, t := range n.deps {
			relying[t] = append(relying[t], n)
		}
		for g, ts := range n.anyOf {
			for _, t := range ts {
				alts[t] = append(alts[t], alt{n, g})
			}
		}
		if len(revokes(n.st)) > 0 {
			revs = append(revs, n)
		}
	}
	slices.SortFunc(revs, func(a, b *node) int {
		ra, rb := a.st.Kind == KindRedemption, b.st.Kind == KindRedemption
		switch {
		case ra != rb && ra:
			return 1
		case ra != rb:
			return -1
		case ra:
			return bytes.Compare(a.id[:], b.id[:])
		case a.signer.senior != b.signer.senior:
			return a.signer.senior - b.signer.senior
		}
		return a.pos - b.pos
	})
	grew := false
	for _, r := range revs {
		if e.void[r] != nil {
			continue
		}
		concurrent := func(s *node) bool {
			return s != r && e.void[s] == nil && !r.cl.has(s.pos) && !s.cl.has(r.pos)
		}
		for _, t := range revokes(r.st) {
			for _, s := range relying[t] {
				if !concurrent(s) {
					continue
				}
				e.void[s] = fmt.Errorf("%w: %s %s by %s had not seen it", ErrVoided, r.st.Kind, r.id.Short(), r.st.Signer.Short())
				grew = true
			}
			for _, a := range alts[t] {
				if !concurrent(a.n) {
					continue
				}
				if taken[a] == nil {
					taken[a] = map[token]bool{}
				}
				taken[a][t] = true
				if len(taken[a]) == len(a.n.anyOf[a.g]) {
					e.void[a.n] = fmt.Errorf("%w: %s %s by %s took the last of the roles it relied on, and it had not seen it", ErrVoided, r.st.Kind, r.id.Short(), r.st.Signer.Short())
					grew = true
				}
			}
		}
	}
	return grew
}

// flagAttestations: an attestation made concurrently with its device's
// removal (neither had seen the other) stays valid, flagged. Then each actor
// is bound to the device whose claim the other claimants had seen; claims
// none of which saw the others dispute it.
func (e *eval) flagAttestations() {
	removals := map[token][]*node{}
	for _, n := range e.order {
		if n.valid && (n.st.Kind == KindRemoveMember || n.st.Kind == KindUnlinkDevice) {
			for _, t := range revokes(n.st) {
				removals[t] = append(removals[t], n)
			}
		}
	}
	for _, n := range e.atts {
		if !n.valid {
			continue
		}
		for _, t := range n.deps {
			for _, r := range removals[t] {
				if !n.past.has(r.pos) && !e.reachable(r)[n] {
					n.flag = true
				}
			}
		}
	}
}

// reachable is the set of attestations in n's causal past: those its DAG
// past names as seen, and their chains.
func (e *eval) reachable(n *node) map[*node]bool {
	if r, ok := e.reach[n]; ok {
		return r
	}
	if e.reach == nil {
		e.reach = map[*node]map[*node]bool{}
	}
	set := map[*node]bool{}
	stack := slices.Clone(n.seen)
	closure := n.cl
	if closure == nil {
		closure = n.past
	}
	closure.each(func(i int) { stack = append(stack, e.order[i].seen...) })
	for len(stack) > 0 {
		a := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if set[a] {
			continue
		}
		set[a] = true
		stack = append(stack, a.seen...)
	}
	e.reach[n] = set
	return set
}

type nodeHeap []*node

func (h nodeHeap) Len() int           { return len(h) }
func (h nodeHeap) Less(i, j int) bool { return bytes.Compare(h[i].id[:], h[j].id[:]) < 0 }
func (h nodeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)        { *h = append(*h, x.(*node)) }
func (h *nodeHeap) Pop() any {
	old := *h
	n := old[len(old)-1]
	*h = old[:len(old)-1]
	return n
}

// posSet is a set of canonical positions.
type posSet []uint64

func (b posSet) has(i int) bool {
	return i >= 0 && i/64 < len(b) && b[i/64]&(1<<(uint(i)%64)) != 0
}

func (b posSet) with(i int) posSet {
	c := slices.Clone(b)
	c[i/64] |= 1 << (uint(i) % 64)
	return c
}

func (b posSet) key() string {
	buf := make([]byte, 8*len(b))
	for i, w := range b {
		binary.LittleEndian.PutUint64(buf[8*i:], w)
	}
	return string(buf)
}

func (b posSet) each(f func(int)) {
	for i, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			f(64*i + t)
			w &^= 1 << uint(t)
		}
	}
}

// firstZero is the smallest position not in b (len(b)*64 if b is full).
func (b posSet) firstZero() int {
	for i, w := range b {
		if w != ^uint64(0) {
			return 64*i + bits.TrailingZeros64(^w)
		}
	}
	return 64 * len(b)
}

// eachIn calls f for the members of b in [from, to), ascending.
func (b posSet) eachIn(from, to int, f func(int)) {
	for i := from / 64; i < len(b) && 64*i < to; i++ {
		w := b[i]
		for w != 0 {
			t := bits.TrailingZeros64(w)
			if p := 64*i + t; p >= from && p < to {
				f(p)
			}
			w &^= 1 << uint(t)
		}
	}
}

// stateCache keeps the last few rebuilt states of causal pasts; what it
// holds never changes a result, only how often a state is rebuilt.
type stateCache struct {
	m    map[string]*astate
	keys []string
}

const stateCacheSize = 64

func (c *stateCache) get(k string) *astate { return c.m[k] }

func (c *stateCache) put(k string, s *astate) {
	if c.m == nil {
		c.m = map[string]*astate{}
	}
	if len(c.keys) == stateCacheSize {
		delete(c.m, c.keys[0])
		c.keys = c.keys[1:]
	}
	c.m[k] = s
	c.keys = append(c.keys, k)
}
