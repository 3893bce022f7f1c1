// Package amext reaches the parts of the Automerge C library that
// automerge-go links but does not expose: reads at past heads (map values,
// map keys, text, list length), every conflicting value of a map key with the
// actor that wrote it, and the actor that inserted each character of a text
// (for a blame view), and how many values each of many keys of a map holds,
// in one call (to find conflicts cheaply). It works on the documents
// automerge-go holds.
//
// Pinned and tested against github.com/automerge/automerge-go
// v0.0.0-20230903201930-b80ce8aadbb9 and the Automerge 0.5 C library
// (automerge-c) whose header (automerge.h) and static archives that commit
// ships. The C functions used are declared here, not included: the archive is
// linked once, through automerge-go's own cgo flags. Three things tie this
// package to that exact automerge-go, and tests fail loudly when any changes:
// the unexported fields cDoc (*C.AMdoc) and m (sync.Mutex) of automerge.Doc,
// reached by name through reflect and unsafe; the declarations below, compiled
// by a test against the automerge.h in the module cache; and the module
// version itself.
//
// Every call takes the Doc's own mutex, so it is as safe for concurrent use as
// automerge-go's methods, and frees every AMresult it makes. Objects are
// addressed by a path from the root (string map keys, int list indexes)
// resolved in C at the heads asked for. No heads (nil or empty) means the
// document as it is now, pending uncommitted operations included, as
// automerge-go's own reads do. Text positions are Unicode code points.
// Reads never commit pending operations (automerge-go's Doc.Heads does: it
// closes the open transaction, and the next Commit is then empty).
//
// Only package doc uses this package; no Automerge type leaves doc.
package amext

/*
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// --- types (as in automerge.h; checked by TestDeclarationsMatchHeader)
typedef struct AMactorId AMactorId;
typedef struct AMdoc AMdoc;
typedef struct AMitem AMitem;
typedef struct AMobjId AMobjId;
typedef struct AMresult AMresult;
typedef struct AMbyteSpan { const uint8_t *src; size_t count; } AMbyteSpan;
typedef struct AMitems { uint8_t detail[+8+8+8]; } AMitems;
typedef uint8_t AMobjType;
typedef uint8_t AMstatus;
typedef uint32_t AMvalType;

// --- constants (AMEXT_X equals automerge.h's AM_X)
enum {
	AMEXT_OBJ_TYPE_LIST = 1,
	AMEXT_OBJ_TYPE_MAP = 2,
	AMEXT_OBJ_TYPE_TEXT = 3,
	AMEXT_STATUS_OK = 0,
	AMEXT_VAL_TYPE_VOID = 1 << 0,
	AMEXT_VAL_TYPE_BOOL = 1 << 2,
	AMEXT_VAL_TYPE_BYTES = 1 << 3,
	AMEXT_VAL_TYPE_CHANGE = 1 << 4,
	AMEXT_VAL_TYPE_COUNTER = 1 << 6,
	AMEXT_VAL_TYPE_F64 = 1 << 8,
	AMEXT_VAL_TYPE_INT = 1 << 9,
	AMEXT_VAL_TYPE_NULL = 1 << 11,
	AMEXT_VAL_TYPE_OBJ_TYPE = 1 << 12,
	AMEXT_VAL_TYPE_STR = 1 << 13,
	AMEXT_VAL_TYPE_TIMESTAMP = 1 << 17,
	AMEXT_VAL_TYPE_UINT = 1 << 18,
	AMEXT_VAL_TYPE_UNKNOWN = 1 << 19,
};

// --- functions (verbatim prototypes from automerge.h)
struct AMbyteSpan AMactorIdStr(const struct AMactorId *actor_id);
struct AMresult *AMgetChangeByHash(struct AMdoc *doc, const uint8_t *src, size_t count);
struct AMresult *AMkeys(const struct AMdoc *doc, const struct AMobjId *obj_id, const struct AMitems *heads);
size_t AMobjSize(const struct AMdoc *doc, const struct AMobjId *obj_id, const struct AMitems *heads);
AMobjType AMobjObjType(const struct AMdoc *doc, const struct AMobjId *obj_id);
struct AMresult *AMtext(const struct AMdoc *doc, const struct AMobjId *obj_id, const struct AMitems *heads);
struct AMresult *AMlistRange(const struct AMdoc *doc, const struct AMobjId *obj_id, size_t begin, size_t end, const struct AMitems *heads);
struct AMresult *AMmapGet(const struct AMdoc *doc, const struct AMobjId *obj_id, struct AMbyteSpan key, const struct AMitems *heads);
struct AMresult *AMmapGetAll(const struct AMdoc *doc, const struct AMobjId *obj_id, struct AMbyteSpan key, const struct AMitems *heads);
struct AMresult *AMitemFromChangeHash(struct AMbyteSpan value);
const struct AMobjId *AMitemObjId(const struct AMitem *item);
bool AMitemToBool(const struct AMitem *item, bool *value);
bool AMitemToBytes(const struct AMitem *item, struct AMbyteSpan *value);
bool AMitemToCounter(const struct AMitem *item, int64_t *value);
bool AMitemToF64(const struct AMitem *item, double *value);
bool AMitemToInt(const struct AMitem *item, int64_t *value);
bool AMitemToStr(const struct AMitem *item, struct AMbyteSpan *value);
bool AMitemToTimestamp(const struct AMitem *item, int64_t *value);
bool AMitemToUint(const struct AMitem *item, uint64_t *value);
AMvalType AMitemValType(const struct AMitem *item);
struct AMitem *AMitemsNext(struct AMitems *items, ptrdiff_t n);
const struct AMactorId *AMobjIdActorId(const struct AMobjId *obj_id);
uint64_t AMobjIdCounter(const struct AMobjId *obj_id);
struct AMresult *AMresultCat(const struct AMresult *dest, const struct AMresult *src);
struct AMbyteSpan AMresultError(const struct AMresult *result);
void AMresultFree(struct AMresult *result);
struct AMitem *AMresultItem(struct AMresult *result);
struct AMitems AMresultItems(struct AMresult *result);
size_t AMresultSize(const struct AMresult *result);
AMstatus AMresultStatus(const struct AMresult *result);
// --- end of automerge.h declarations

// amext_heads builds one result holding n change-hash items read from n*32
// bytes. On failure it returns the failing result for its error message.
static AMresult *amext_heads(const uint8_t *h, size_t n) {
	AMresult *acc = NULL;
	for (size_t i = 0; i < n; i++) {
		AMbyteSpan s = {h + 32 * i, 32};
		AMresult *one = AMitemFromChangeHash(s);
		if (AMresultStatus(one) != AMEXT_STATUS_OK) {
			if (acc != NULL) AMresultFree(acc);
			return one;
		}
		if (acc == NULL) {
			acc = one;
			continue;
		}
		AMresult *cat = AMresultCat(acc, one);
		AMresultFree(acc);
		AMresultFree(one);
		acc = cat;
		if (AMresultStatus(acc) != AMEXT_STATUS_OK) return acc;
	}
	return acc;
}

// amext_missing returns the index of the first of n hashes that names no
// change in doc, or -1. Automerge reads at unknown heads as if they were
// empty, so callers check first.
static long amext_missing(AMdoc *doc, const uint8_t *h, size_t n) {
	for (size_t i = 0; i < n; i++) {
		AMresult *r = AMgetChangeByHash(doc, h + 32 * i, 32);
		bool ok = AMresultStatus(r) == AMEXT_STATUS_OK && AMresultSize(r) == 1 &&
			AMitemValType(AMresultItem(r)) == AMEXT_VAL_TYPE_CHANGE;
		AMresultFree(r);
		if (!ok) return (long)i;
	}
	return -1;
}

static bool amext_span_eq(AMbyteSpan a, AMbyteSpan b) {
	return a.count == b.count && (a.count == 0 || memcmp(a.src, b.src, a.count) == 0);
}

// amext_runs walks the items of a text's AMlistRange result (one per element,
// each carrying the ID of the op that inserted it) and collapses neighbours
// inserted by the same actor into runs. Run k ends at code point ends[k] and
// was typed by actors[who[k]] (hex spans valid while r lives). Every array
// holds AMresultSize(r) entries. Returns the run count, or a negative number
// when an item is not a string (-1) or has no op ID (-2).
static long amext_runs(AMresult *r, size_t *ends, int *who, AMbyteSpan *actors, int *nactors) {
	AMitems it = AMresultItems(r);
	AMitem *item;
	AMbyteSpan cur = {NULL, 0};
	long runs = 0;
	size_t pos = 0;
	*nactors = 0;
	while ((item = AMitemsNext(&it, 1)) != NULL) {
		AMbyteSpan s;
		if (!AMitemToStr(item, &s)) return -1;
		size_t cps = 0;
		for (size_t j = 0; j < s.count; j++) {
			if ((s.src[j] & 0xC0) != 0x80) cps++;
		}
		if (cps == 0) continue;
		const AMobjId *id = AMitemObjId(item);
		if (id == NULL) return -2;
		const AMactorId *a = AMobjIdActorId(id);
		if (a == NULL) return -2;
		AMbyteSpan hex = AMactorIdStr(a);
		pos += cps;
		if (runs > 0 && amext_span_eq(hex, cur)) {
			ends[runs - 1] = pos;
			continue;
		}
		int k = 0;
		while (k < *nactors && !amext_span_eq(actors[k], hex)) k++;
		if (k == *nactors) actors[(*nactors)++] = hex;
		ends[runs] = pos;
		who[runs] = k;
		runs++;
		cur = hex;
	}
	return runs;
}

// amext_counts finds the map at a path of np keys (their bytes one after
// another in pk, their lengths in pl; no more than AMEXT_MAX_PATH) and
// stores in counts[j] how many values each of nk keys (bytes in kk,
// lengths in kl) holds there at heads (NULL: now). It returns 0; 1 when
// path element *at names nothing; 2 when it names no map; 3 when the
// engine failed, with the failing result in *fail for the caller to read
// and free.
enum { AMEXT_MAX_PATH = 32 };
static int amext_counts(AMdoc *doc, const AMitems *heads, const uint8_t *pk, const size_t *pl, size_t np,
                        const uint8_t *kk, const size_t *kl, size_t nk, size_t *counts, size_t *at, AMresult **fail) {
	AMresult *held[AMEXT_MAX_PATH];
	size_t nheld = 0;
	const AMobjId *obj = NULL;
	int rc = 0;
	*fail = NULL;
	for (size_t i = 0; i < np && rc == 0; i++) {
		AMbyteSpan k = {pk, pl[i]};
		pk += pl[i];
		AMresult *r = AMmapGet(doc, obj, k, heads);
		if (AMresultStatus(r) != AMEXT_STATUS_OK) {
			*fail = r;
			rc = 3;
			break;
		}
		held[nheld++] = r;
		*at = i;
		AMitem *it = AMresultSize(r) == 1 ? AMresultItem(r) : NULL;
		if (it == NULL || AMitemValType(it) == AMEXT_VAL_TYPE_VOID) {
			rc = 1;
		} else if (AMitemValType(it) != AMEXT_VAL_TYPE_OBJ_TYPE) {
			rc = 2;
		} else {
			obj = AMitemObjId(it);
			if (AMobjObjType(doc, obj) != AMEXT_OBJ_TYPE_MAP) rc = 2;
		}
	}
	for (size_t j = 0; j < nk && rc == 0; j++) {
		AMbyteSpan k = {kk, kl[j]};
		kk += kl[j];
		AMresult *r = AMmapGetAll(doc, obj, k, heads);
		if (AMresultStatus(r) != AMEXT_STATUS_OK) {
			*fail = r;
			rc = 3;
			break;
		}
		AMitems items = AMresultItems(r);
		AMitem *item;
		size_t c = 0;
		while ((item = AMitemsNext(&items, 1)) != NULL) {
			if (AMitemValType(item) != AMEXT_VAL_TYPE_VOID) c++;
		}
		counts[j] = c;
		AMresultFree(r);
	}
	for (size_t i = 0; i < nheld; i++) AMresultFree(held[i]);
	return rc;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"github.com/automerge/automerge-go"
)

// PinnedAutomergeGo is the automerge-go version this package's unsafe access
// was written and tested against.
const PinnedAutomergeGo = "v0.0.0-20230903201930-b80ce8aadbb9"

// Sentinel errors; match them with errors.Is.
var (
	// ErrLayout means automerge.Doc no longer has the fields this package
	// reaches; nothing is read rather than guessing.
	ErrLayout = errors.New("amext: automerge-go's Doc layout is not the pinned one")
	ErrNoDoc  = errors.New("amext: no document")
	ErrPath   = errors.New("amext: bad path element")
	// ErrNotFound means the path names nothing at the heads asked for.
	ErrNotFound = errors.New("amext: nothing at path")
	// ErrType means the path names an object of another type than the call needs.
	ErrType = errors.New("amext: wrong type at path")
	// ErrHeads means a head is not a change of this document.
	ErrHeads  = errors.New("amext: heads not in document")
	ErrEngine = errors.New("amext: automerge error")
)

// Conflict is one of the values a map key holds at once after concurrent
// writes. OpID ("counter@actor") names the operation that wrote it; ActorID is
// that operation's actor (hex). Value is as GetAt returns it.
type Conflict struct {
	Value   any
	Kind    automerge.Kind
	ActorID string
	OpID    string
}

// Run is a stretch [Start, End) of a text, in code points, inserted by one
// actor (hex).
type Run struct {
	Start, End int
	Actor      string
}

// docLayout holds the offsets of the unexported automerge.Doc fields found
// by name, or why they could not be found.
type docLayout struct {
	cDoc, mu uintptr
	err      error
}

var layout = sync.OnceValue(findLayout)

func findLayout() docLayout {
	t := reflect.TypeFor[automerge.Doc]()
	c, ok := t.FieldByName("cDoc")
	if !ok {
		return docLayout{err: fmt.Errorf("%w: automerge.Doc has no field cDoc (pinned %s)", ErrLayout, PinnedAutomergeGo)}
	}
	if c.Type.Kind() != reflect.Pointer || c.Type.Elem().Name() != "_Ctype_struct_AMdoc" {
		return docLayout{err: fmt.Errorf("%w: automerge.Doc.cDoc is %s, want *C.AMdoc (pinned %s)", ErrLayout, c.Type, PinnedAutomergeGo)}
	}
	m, ok := t.FieldByName("m")
	if !ok {
		return docLayout{err: fmt.Errorf("%w: automerge.Doc has no field m (pinned %s)", ErrLayout, PinnedAutomergeGo)}
	}
	if m.Type != reflect.TypeFor[sync.Mutex]() {
		return docLayout{err: fmt.Errorf("%w: automerge.Doc.m is %s, want sync.Mutex (pinned %s)", ErrLayout, m.Type, PinnedAutomergeGo)}
	}
	return docLayout{cDoc: c.Offset, mu: m.Offset}
}

// CheckLayout reports whether the linked automerge-go has the Doc fields
// this package relies on. Every call checks it too; callers may check once
// at start-up to fail early.
func CheckLayout() error { return layout().err }

// docMutex is the Doc's own mutex, the one automerge-go's methods take.
func docMutex(d *automerge.Doc) (*sync.Mutex, error) {
	l := layout()
	if l.err != nil {
		return nil, l.err
	}
	if d == nil {
		return nil, ErrNoDoc
	}
	return (*sync.Mutex)(unsafe.Add(unsafe.Pointer(d), l.mu)), nil
}

// enter locks d and returns its C document; leave unlocks it.
func enter(d *automerge.Doc) (*C.AMdoc, func(), error) {
	mu, err := docMutex(d)
	if err != nil {
		return nil, nil, err
	}
	mu.Lock()
	c := *(**C.AMdoc)(unsafe.Add(unsafe.Pointer(d), layout().cDoc))
	if c == nil {
		mu.Unlock()
		return nil, nil, fmt.Errorf("%w: automerge.Doc without a C document (use automerge.New or Load)", ErrNoDoc)
	}
	return c, func() {
		mu.Unlock()
		runtime.KeepAlive(d)
	}, nil
}

// session is one locked call: the C document, the heads to read at, and
// every result made, freed together by close.
type session struct {
	doc     *C.AMdoc
	heads   *C.AMitems
	results []*C.AMresult
	leave   func()
}

func open(d *automerge.Doc, heads []automerge.ChangeHash) (*session, error) {
	c, leave, err := enter(d)
	if err != nil {
		return nil, err
	}
	s := &session{doc: c, leave: leave}
	if len(heads) > 0 {
		raw := make([]byte, 0, 32*len(heads))
		for _, h := range heads {
			raw = append(raw, h[:]...)
		}
		p := (*C.uint8_t)(unsafe.Pointer(&raw[0]))
		if i := C.amext_missing(c, p, C.size_t(len(heads))); i >= 0 {
			s.close()
			return nil, fmt.Errorf("%w: %s", ErrHeads, heads[i])
		}
		r, err := s.keep(C.amext_heads(p, C.size_t(len(heads))))
		if err != nil {
			s.close()
			return nil, err
		}
		items := C.AMresultItems(r)
		s.heads = &items
	}
	return s, nil
}

func (s *session) close() {
	for _, r := range s.results {
		C.AMresultFree(r)
	}
	s.results = nil
	s.leave()
}

// keep records r for freeing and turns a failed status into an error.
func (s *session) keep(r *C.AMresult) (*C.AMresult, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no result", ErrEngine)
	}
	s.results = append(s.results, r)
	if C.AMresultStatus(r) != C.AMEXT_STATUS_OK {
		return nil, fmt.Errorf("%w: %s", ErrEngine, str(C.AMresultError(r)))
	}
	return r, nil
}

// one is keep for calls that return a single item.
func (s *session) one(r *C.AMresult) (*C.AMitem, error) {
	r, err := s.keep(r)
	if err != nil {
		return nil, err
	}
	if n := C.AMresultSize(r); n != 1 {
		return nil, fmt.Errorf("%w: %d items, want 1", ErrEngine, n)
	}
	return C.AMresultItem(r), nil
}

func str(b C.AMbyteSpan) string {
	if b.count == 0 {
		return ""
	}
	return C.GoStringN((*C.char)(unsafe.Pointer(b.src)), C.int(b.count))
}

// withKey calls f with key as a C span (never a NULL src, which AMmapGet forbids).
func withKey[T any](key string, f func(C.AMbyteSpan) T) T {
	p := C.CString(key)
	defer C.free(unsafe.Pointer(p))
	return f(C.AMbyteSpan{src: (*C.uint8_t)(unsafe.Pointer(p)), count: C.size_t(len(key))})
}

// object is a resolved object: its ID (nil for the root) and type.
type object struct {
	id  *C.AMobjId
	typ C.AMobjType
}

var typeNames = map[C.AMobjType]string{
	C.AMEXT_OBJ_TYPE_MAP:  "map",
	C.AMEXT_OBJ_TYPE_LIST: "list",
	C.AMEXT_OBJ_TYPE_TEXT: "text",
}

// child reads the item at one path element of o (a key of a map or an index
// of a list); a nil item means nothing is there.
func (s *session) child(o object, el any, where []any) (*C.AMitem, error) {
	switch el := el.(type) {
	case string:
		if o.typ != C.AMEXT_OBJ_TYPE_MAP {
			return nil, fmt.Errorf("%w: key %q on a %s at %v", ErrType, el, typeNames[o.typ], where)
		}
		it, err := s.one(withKey(el, func(k C.AMbyteSpan) *C.AMresult {
			return C.AMmapGet(s.doc, o.id, k, s.heads)
		}))
		if err != nil || C.AMitemValType(it) == C.AMEXT_VAL_TYPE_VOID {
			return nil, err
		}
		return it, nil
	case int:
		if o.typ != C.AMEXT_OBJ_TYPE_LIST {
			return nil, fmt.Errorf("%w: index %d on a %s at %v", ErrType, el, typeNames[o.typ], where)
		}
		if el < 0 || el >= int(C.AMobjSize(s.doc, o.id, s.heads)) {
			return nil, nil
		}
		// Not AMlistGet: it checks pos against the current length even when
		// reading at heads ("Invalid pos" for an element deleted since).
		r, err := s.keep(C.AMlistRange(s.doc, o.id, C.size_t(el), C.size_t(el+1), s.heads))
		if err != nil || C.AMresultSize(r) != 1 {
			return nil, err
		}
		return C.AMresultItem(r), nil
	default:
		return nil, fmt.Errorf("%w: %v (%T) at %v; want a string key or an int index", ErrPath, el, el, where)
	}
}

// resolve walks path from the root at the session's heads.
func (s *session) resolve(path []any) (object, error) {
	o := object{typ: C.AMEXT_OBJ_TYPE_MAP}
	for i, el := range path {
		it, err := s.child(o, el, path[:i])
		if err != nil {
			return object{}, err
		}
		if it == nil {
			return object{}, fmt.Errorf("%w: %v", ErrNotFound, path[:i+1])
		}
		if C.AMitemValType(it) != C.AMEXT_VAL_TYPE_OBJ_TYPE {
			return object{}, fmt.Errorf("%w: %v is a value, not an object", ErrType, path[:i+1])
		}
		id := C.AMitemObjId(it)
		o = object{id: id, typ: C.AMobjObjType(s.doc, id)}
	}
	return o, nil
}

func (s *session) resolveType(path []any, want C.AMobjType) (object, error) {
	o, err := s.resolve(path)
	if err == nil && o.typ != want {
		err = fmt.Errorf("%w: %v is a %s, want a %s", ErrType, path, typeNames[o.typ], typeNames[want])
	}
	return o, err
}

func (s *session) text(o object) (string, error) {
	it, err := s.one(C.AMtext(s.doc, o.id, s.heads))
	if err != nil {
		return "", err
	}
	var b C.AMbyteSpan
	if !C.AMitemToStr(it, &b) {
		return "", fmt.Errorf("%w: AMtext gave no string", ErrEngine)
	}
	return str(b), nil
}

// value turns an item into a Go value: string, bool, []byte, float64, int64,
// uint64, time.Time, nil (null, absent, map, list), the text of a text object,
// or the count of a counter.
func (s *session) value(it *C.AMitem) (any, automerge.Kind, error) {
	bad := func() (any, automerge.Kind, error) {
		return nil, automerge.KindUnknown, fmt.Errorf("%w: item of type %d unreadable", ErrEngine, C.AMitemValType(it))
	}
	switch C.AMitemValType(it) {
	case C.AMEXT_VAL_TYPE_VOID:
		return nil, automerge.KindVoid, nil
	case C.AMEXT_VAL_TYPE_NULL:
		return nil, automerge.KindNull, nil
	case C.AMEXT_VAL_TYPE_STR:
		var b C.AMbyteSpan
		if !C.AMitemToStr(it, &b) {
			return bad()
		}
		return str(b), automerge.KindStr, nil
	case C.AMEXT_VAL_TYPE_BOOL:
		var v C.bool
		if !C.AMitemToBool(it, &v) {
			return bad()
		}
		return bool(v), automerge.KindBool, nil
	case C.AMEXT_VAL_TYPE_BYTES:
		var b C.AMbyteSpan
		if !C.AMitemToBytes(it, &b) {
			return bad()
		}
		return C.GoBytes(unsafe.Pointer(b.src), C.int(b.count)), automerge.KindBytes, nil
	case C.AMEXT_VAL_TYPE_F64:
		var v C.double
		if !C.AMitemToF64(it, &v) {
			return bad()
		}
		return float64(v), automerge.KindFloat64, nil
	case C.AMEXT_VAL_TYPE_INT:
		var v C.int64_t
		if !C.AMitemToInt(it, &v) {
			return bad()
		}
		return int64(v), automerge.KindInt64, nil
	case C.AMEXT_VAL_TYPE_UINT:
		var v C.uint64_t
		if !C.AMitemToUint(it, &v) {
			return bad()
		}
		return uint64(v), automerge.KindUint64, nil
	case C.AMEXT_VAL_TYPE_COUNTER:
		var v C.int64_t
		if !C.AMitemToCounter(it, &v) {
			return bad()
		}
		return int64(v), automerge.KindCounter, nil
	case C.AMEXT_VAL_TYPE_TIMESTAMP:
		var v C.int64_t
		if !C.AMitemToTimestamp(it, &v) {
			return bad()
		}
		return time.UnixMilli(int64(v)), automerge.KindTime, nil
	case C.AMEXT_VAL_TYPE_OBJ_TYPE:
		id := C.AMitemObjId(it)
		switch C.AMobjObjType(s.doc, id) {
		case C.AMEXT_OBJ_TYPE_MAP:
			return nil, automerge.KindMap, nil
		case C.AMEXT_OBJ_TYPE_LIST:
			return nil, automerge.KindList, nil
		case C.AMEXT_OBJ_TYPE_TEXT:
			t, err := s.text(object{id: id, typ: C.AMEXT_OBJ_TYPE_TEXT})
			return t, automerge.KindText, err
		}
		return bad()
	case C.AMEXT_VAL_TYPE_UNKNOWN:
		return nil, automerge.KindUnknown, nil
	}
	return bad()
}

// opID names the op behind an item as "counter@actor", and its actor.
func opID(it *C.AMitem) (op, actor string, ok bool) {
	id := C.AMitemObjId(it)
	if id == nil {
		return "", "", false
	}
	a := C.AMobjIdActorId(id)
	if a == nil {
		return "", "", false
	}
	actor = str(C.AMactorIdStr(a))
	return fmt.Sprintf("%d@%s", uint64(C.AMobjIdCounter(id)), actor), actor, true
}

// ParseHeads reads hex change hashes.
func ParseHeads(hexes ...string) ([]automerge.ChangeHash, error) {
	out := make([]automerge.ChangeHash, 0, len(hexes))
	for _, h := range hexes {
		ch, err := automerge.NewChangeHash(h)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrHeads, h, err)
		}
		out = append(out, ch)
	}
	return out, nil
}

// TextAt returns the text object at path as it was at heads.
func TextAt(d *automerge.Doc, path []any, heads []automerge.ChangeHash) (string, error) {
	s, err := open(d, heads)
	if err != nil {
		return "", err
	}
	defer s.close()
	o, err := s.resolveType(path, C.AMEXT_OBJ_TYPE_TEXT)
	if err != nil {
		return "", err
	}
	return s.text(o)
}

// MapKeysAt returns the keys of the map at path as it was at heads, sorted
// as Automerge keeps them (byte order).
func MapKeysAt(d *automerge.Doc, path []any, heads []automerge.ChangeHash) ([]string, error) {
	s, err := open(d, heads)
	if err != nil {
		return nil, err
	}
	defer s.close()
	o, err := s.resolveType(path, C.AMEXT_OBJ_TYPE_MAP)
	if err != nil {
		return nil, err
	}
	r, err := s.keep(C.AMkeys(s.doc, o.id, s.heads))
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, int(C.AMresultSize(r)))
	items := C.AMresultItems(r)
	for it := C.AMitemsNext(&items, 1); it != nil; it = C.AMitemsNext(&items, 1) {
		var b C.AMbyteSpan
		if !C.AMitemToStr(it, &b) {
			return nil, fmt.Errorf("%w: AMkeys gave a non-string key", ErrEngine)
		}
		keys = append(keys, str(b))
	}
	return keys, nil
}

// ListLenAt returns the length of the list (elements) or text (code points)
// at path as it was at heads.
func ListLenAt(d *automerge.Doc, path []any, heads []automerge.ChangeHash) (int, error) {
	s, err := open(d, heads)
	if err != nil {
		return 0, err
	}
	defer s.close()
	o, err := s.resolve(path)
	if err != nil {
		return 0, err
	}
	if o.typ != C.AMEXT_OBJ_TYPE_LIST && o.typ != C.AMEXT_OBJ_TYPE_TEXT {
		return 0, fmt.Errorf("%w: %v is a %s, want a list or text", ErrType, path, typeNames[o.typ])
	}
	return int(C.AMobjSize(s.doc, o.id, s.heads)), nil
}

// GetAt returns the value at path (its last element a key of a map or an
// index of a list) as it was at heads, and its kind. Absent values are
// (nil, KindVoid) without error; a missing parent is ErrNotFound. Values are
// string, bool, []byte, float64, int64, uint64 and time.Time; a counter is its
// int64 count; a text object is its string; a map or list is nil with its kind.
func GetAt(d *automerge.Doc, path []any, heads []automerge.ChangeHash) (any, automerge.Kind, error) {
	if len(path) == 0 {
		return nil, automerge.KindMap, nil
	}
	s, err := open(d, heads)
	if err != nil {
		return nil, automerge.KindVoid, err
	}
	defer s.close()
	o, err := s.resolve(path[:len(path)-1])
	if err != nil {
		return nil, automerge.KindVoid, err
	}
	it, err := s.child(o, path[len(path)-1], path[:len(path)-1])
	if err != nil || it == nil {
		return nil, automerge.KindVoid, err
	}
	return s.value(it)
}

// MapGetAll returns every value key holds in the map at path now: one value
// normally, several after concurrent writes that no later write replaced. The
// last is the one automerge-go's Get returns.
func MapGetAll(d *automerge.Doc, path []any, key string) ([]Conflict, error) {
	return MapGetAllAt(d, path, key, nil)
}

// MapGetAllAt is MapGetAll as the document was at heads.
func MapGetAllAt(d *automerge.Doc, path []any, key string, heads []automerge.ChangeHash) ([]Conflict, error) {
	s, err := open(d, heads)
	if err != nil {
		return nil, err
	}
	defer s.close()
	o, err := s.resolveType(path, C.AMEXT_OBJ_TYPE_MAP)
	if err != nil {
		return nil, err
	}
	r, err := s.keep(withKey(key, func(k C.AMbyteSpan) *C.AMresult {
		return C.AMmapGetAll(s.doc, o.id, k, s.heads)
	}))
	if err != nil {
		return nil, err
	}
	var out []Conflict
	items := C.AMresultItems(r)
	for it := C.AMitemsNext(&items, 1); it != nil; it = C.AMitemsNext(&items, 1) {
		v, k, err := s.value(it)
		if err != nil {
			return nil, err
		}
		if k == automerge.KindVoid {
			continue
		}
		op, actor, ok := opID(it)
		if !ok {
			return nil, fmt.Errorf("%w: value of %q has no op ID", ErrEngine, key)
		}
		out = append(out, Conflict{Value: v, Kind: k, ActorID: actor, OpID: op})
	}
	return out, nil
}

// MapValueCounts says how many values each of keys holds in the map at
// path now: 0 when absent, 1 normally, more after concurrent writes that no
// later write replaced (MapGetAll then says what they are and who wrote
// them). It asks the C library once for all the keys, so checking many
// short fields for conflicts stays cheap. Path elements are map keys.
func MapValueCounts(d *automerge.Doc, path []string, keys []string) ([]int, error) {
	return MapValueCountsAt(d, path, keys, nil)
}

// MapValueCountsAt is MapValueCounts as the document was at heads.
func MapValueCountsAt(d *automerge.Doc, path []string, keys []string, heads []automerge.ChangeHash) ([]int, error) {
	if len(path) > C.AMEXT_MAX_PATH {
		return nil, fmt.Errorf("%w: a path of %d keys (at most %d)", ErrPath, len(path), C.AMEXT_MAX_PATH)
	}
	s, err := open(d, heads)
	if err != nil {
		return nil, err
	}
	defer s.close()
	// Go memory without Go pointers in it, never empty, so C gets no NULL.
	pack := func(ss []string) ([]byte, []C.size_t) {
		buf, lens := make([]byte, 0, 64), make([]C.size_t, max(len(ss), 1))
		for i, k := range ss {
			buf = append(buf, k...)
			lens[i] = C.size_t(len(k))
		}
		return append(buf, 0), lens
	}
	pk, pl := pack(path)
	kk, kl := pack(keys)
	counts := make([]C.size_t, max(len(keys), 1))
	var at C.size_t
	var fail *C.AMresult
	rc := C.amext_counts(s.doc, s.heads, (*C.uint8_t)(&pk[0]), &pl[0], C.size_t(len(path)),
		(*C.uint8_t)(&kk[0]), &kl[0], C.size_t(len(keys)), &counts[0], &at, &fail)
	switch rc {
	case 0:
	case 1:
		return nil, fmt.Errorf("%w: %v", ErrNotFound, path[:at+1])
	case 2:
		return nil, fmt.Errorf("%w: %v is not a map", ErrType, path[:at+1])
	default:
		_, err := s.keep(fail)
		if err == nil {
			err = fmt.Errorf("%w: reading %v", ErrEngine, path)
		}
		return nil, err
	}
	out := make([]int, len(keys))
	for i := range out {
		out[i] = int(counts[i])
	}
	return out, nil
}

// TextInserters returns who inserted each code point of the text at path, as
// it was at heads: runs in order, covering [0, length) with no gaps, each
// naming the actor (hex) whose operation inserted those characters.
func TextInserters(d *automerge.Doc, path []any, heads []automerge.ChangeHash) ([]Run, error) {
	s, err := open(d, heads)
	if err != nil {
		return nil, err
	}
	defer s.close()
	o, err := s.resolveType(path, C.AMEXT_OBJ_TYPE_TEXT)
	if err != nil {
		return nil, err
	}
	r, err := s.keep(C.AMlistRange(s.doc, o.id, 0, C.SIZE_MAX, s.heads))
	if err != nil {
		return nil, err
	}
	n := int(C.AMresultSize(r))
	if n == 0 {
		return nil, nil
	}
	ends := make([]C.size_t, n)
	who := make([]C.int, n)
	actors := make([]C.AMbyteSpan, n)
	var nActors C.int
	runs := C.amext_runs(r, &ends[0], &who[0], &actors[0], &nActors)
	if runs < 0 {
		return nil, fmt.Errorf("%w: text element without an op ID (%d)", ErrEngine, runs)
	}
	names := make([]string, int(nActors))
	for i := range names {
		names[i] = str(actors[i])
	}
	out := make([]Run, int(runs))
	start := 0
	for i := range out {
		end := int(ends[i])
		out[i] = Run{Start: start, End: end, Actor: names[who[i]]}
		start = end
	}
	return out, nil
}

// cSizes reports the C struct sizes and the AMbyteSpan.count offset this
// package was compiled with, for the test that checks them against automerge.h.
func cSizes() (span, spanCount, items uintptr) {
	return unsafe.Sizeof(C.AMbyteSpan{}), unsafe.Offsetof(C.AMbyteSpan{}.count), unsafe.Sizeof(C.AMitems{})
}
