package doc

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"

	"github.com/coplan/coplan/doc/store"
	"github.com/coplan/coplan/internal/atomicfile"
)

// contentCacheFile holds, in a plan's folder, the plan as plain data. The
// window shows it at once while Automerge rebuilds the document, which takes
// seconds on a large plan, and List reads plans' headings from it. It is
// only ever a preview: the document wins.
const contentCacheFile = "content.json"

// cacheFile is the cache's JSON: the content, and the fingerprint of the
// plan's files it was read from (store.Fingerprint), so a reader can tell
// whether the files have changed since.
type cacheFile struct {
	Content
	Stamp string `json:"stamp"`
}

// cacheHeading is what List needs of a cache, decoded without the texts.
type cacheHeading struct {
	Schema      int    `json:"schema"`
	ID          string `json:"id"`
	Title       string `json:"title"`
	Country     string `json:"country"`
	PeriodStart string `json:"periodStart"`
	PeriodEnd   string `json:"periodEnd"`
	Stamp       string `json:"stamp"`
}

// cacheMu keeps cache writes in the order their content was read, so an
// older snapshot never lands after a newer one.
var cacheMu sync.Mutex

// ContentCache reads the plan's cached content. It reports false when there
// is none or it cannot be used (damaged, another plan, another schema).
func (l *Library) ContentCache(id string) (Content, bool) {
	if !ValidPlanID(id) {
		return Content{}, false
	}
	data, err := os.ReadFile(filepath.Join(l.planDir(id), contentCacheFile))
	if err != nil {
		return Content{}, false
	}
	var c cacheFile
	if err := json.Unmarshal(data, &c); err != nil || c.ID != id || c.Schema != SchemaVersion {
		return Content{}, false
	}
	return c.Content, true
}

// freshHeading reads the heading of a plan's cache if the cache matches
// the plan's files as they are now.
func (l *Library) freshHeading(id string) (Info, bool) {
	if !ValidPlanID(id) {
		return Info{}, false
	}
	dir := l.planDir(id)
	data, err := os.ReadFile(filepath.Join(dir, contentCacheFile))
	if err != nil {
		return Info{}, false
	}
	var h cacheHeading
	if err := json.Unmarshal(data, &h); err != nil || h.ID != id || h.Schema != SchemaVersion || h.Stamp == "" {
		return Info{}, false
	}
	if now, err := store.Fingerprint(dir); err != nil || now != h.Stamp {
		return Info{}, false
	}
	return Info{ID: h.ID, Title: h.Title, Country: h.Country, PeriodStart: h.PeriodStart, PeriodEnd: h.PeriodEnd}, true
}

// WriteContentCache commits pending edits and writes the plan's content to
// its folder for the next ContentCache. The cache then never shows an edit
// the document on disk does not have. Close does this itself for a plan
// that changed.
func (p *Plan) WriteContentCache() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.store == nil {
		return errors.New("the plan has no folder (closed or in memory)")
	}
	if err := p.commitLocked(); err != nil {
		return err
	}
	return p.writeCacheLocked()
}

// writeCacheLocked writes the cache of what the document holds, which the
// store holds too (callers commit first).
func (p *Plan) writeCacheLocked() error {
	if p.roErr != nil {
		return p.roErr
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	dir := p.store.Dir()
	stamp, err := p.store.Fingerprint()
	if err != nil {
		return err
	}
	data, err := json.Marshal(cacheFile{Content: p.contentLocked(), Stamp: stamp})
	if err != nil {
		return err
	}
	// Quick: a cache lost to a crash is rebuilt from the document.
	if err := atomicfile.WriteFileQuick(filepath.Join(dir, contentCacheFile), data, 0o600); err != nil {
		return err
	}
	p.dirty, p.cacheStamp = false, stamp
	return nil
}

// CacheFresh reports whether the plan's content cache matches its files as
// they are now, so List reads the plan's heading from it.
func (l *Library) CacheFresh(id string) bool {
	_, ok := l.freshHeading(id)
	return ok
}
