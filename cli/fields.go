package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/coplan/coplan/doc"
)

// Commitment fields in the text form typed on the command line. doc takes
// typed values; turning words into them is the command line's business.

// commitmentFields are the fields `commitment set` accepts, in template order.
var commitmentFields = []string{"title", "lead", "support", "problem", "description", "contribution", "additional",
	"values", "themes", "side", "org", "by", "state", "response", "start", "end", "contact"}

var shortFields = map[string]doc.ShortField{
	"lead": doc.FieldLead, "support": doc.FieldSupport, "contact": doc.FieldContact, "org": doc.FieldOrg, "by": doc.FieldBy,
}

// setCommitmentField sets one field of commitment id from its text form:
// states by name, dates as YYYY, YYYY-MM or YYYY-MM-DD, values and themes
// as comma lists.
func setCommitmentField(p *doc.Plan, id, field, value string) error {
	if slices.Contains(doc.CommitmentTextFields, field) {
		return p.SetText(doc.CommitmentText(id, field), value)
	}
	if f, ok := shortFields[field]; ok {
		return p.SetCommitmentShort(id, f, value)
	}
	switch field {
	case "start", "end":
		d, err := doc.ParseDate(value)
		if err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		if field == "start" {
			return p.SetCommitmentStart(id, d)
		}
		return p.SetCommitmentEnd(id, d)
	case "state":
		st, err := parseState(value)
		if err != nil {
			return err
		}
		return p.SetCommitmentState(id, st)
	case "side":
		s, err := doc.ParseSide(value)
		if err != nil {
			return err
		}
		return p.SetCommitmentSide(id, s)
	case "values":
		v, err := parseValues(value)
		if err != nil {
			return err
		}
		return p.SetCommitmentValues(id, v)
	case "themes":
		return p.SetCommitmentThemes(id, splitList(value))
	}
	return fmt.Errorf("%w: commitment field %q (want one of %s)", doc.ErrUnknownField, field, strings.Join(commitmentFields, ", "))
}

// parseState reads a decision state: its name, with spaces for dashes,
// and "discussion" for short.
func parseState(s string) (doc.State, error) {
	s = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "-")
	if s == "discussion" {
		return doc.Discussion, nil
	}
	for _, st := range doc.States {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("%w: state %q (want one of proposal, under-discussion, agreed, adopted, not-adopted)", doc.ErrInvalid, s)
}

// valueAliases are the OGP values' longer names as the template writes them.
var valueAliases = map[string]string{
	"civic-participation": "participation", "civic participation": "participation",
	"public-accountability": "accountability", "public accountability": "accountability",
	"technology-and-innovation": "technology", "innovation": "technology",
}

// parseValues reads a comma list of OGP values; the empty list clears them.
func parseValues(s string) (doc.Values, error) {
	var v doc.Values
	for _, name := range splitList(s) {
		name = strings.ToLower(name)
		if a, ok := valueAliases[name]; ok {
			name = a
		}
		switch name {
		case "transparency":
			v.Transparency = true
		case "participation":
			v.Participation = true
		case "accountability":
			v.Accountability = true
		case "technology":
			v.Technology = true
		default:
			return doc.Values{}, fmt.Errorf("%w: OGP value %q (want %s)", doc.ErrInvalid, name, strings.Join(doc.ValueNames, ", "))
		}
	}
	return v, nil
}

// splitList splits a comma list, trimming items and dropping empty ones.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
