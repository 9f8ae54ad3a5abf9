package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"golang.org/x/mod/sumdb/note"
	"gorm.io/gorm"
)

// Signed documents. An export or a report is logged by an entry that carries
// the SHA-256 of the document (Entry.Digest). Once the entry is in the tree,
// Attach adds to the document a proof bundle: the log's signature over the
// digest and the entry's inclusion proof in a signed checkpoint. CheckDocument
// (`rkc verify FILE`) then shows offline, with the log's public key alone,
// that the file came from RKC unaltered and is on the log.
//
// The bundle goes where the format tolerates it, and comes off again exactly:
//   - JSON: a last member "rkc_proof" of the top-level object;
//   - PDF: a comment line "%rkc-proof v1 <base64>" after the file's end,
//     followed by a repeat of its startxref and %%EOF, so readers still find
//     the cross-reference table;
//   - CSV: a last record whose last field is "%rkc-proof v1 <base64>" and
//     whose other fields are empty, so the file stays valid CSV;
//   - other text: a last line "%rkc-proof v1 <base64>".

// Format is how a document carries its proof.
type Format int

// The formats Attach knows.
const (
	FormatJSON Format = iota
	FormatPDF
	FormatCSV
	FormatText // other line-based text
)

const (
	jsonMember  = `,"rkc_proof":`
	proofMarker = "%rkc-proof v1 "
)

// bundle is what a document carries.
type bundle struct {
	Signature string `json:"signature"` // a signed note over the digest and entry
	Proof     *Proof `json:"proof"`
}

// DocumentDigest is the digest an entry about doc carries.
func DocumentDigest(f Format, doc []byte) []byte {
	if f == FormatJSON {
		doc = bytes.TrimRight(doc, " \t\r\n")
	}
	d := sha256.Sum256(doc)
	return d[:]
}

// AppendDocument logs e, with doc's digest, in the caller's transaction and
// returns the entry's id for Attach.
func AppendDocument(ctx context.Context, tx *gorm.DB, e Entry, f Format, doc []byte) (int64, error) {
	e.Digest = DocumentDigest(f, doc)
	return AppendID(ctx, tx, e)
}

// SignFile logs e in a transaction of its own with doc's digest, waits for
// the entry to be sequenced and returns doc carrying the signature and
// inclusion proof: the one call a handler handing out a file makes.
func (l *Log) SignFile(ctx context.Context, e Entry, f Format, doc []byte) ([]byte, error) {
	var id int64
	err := l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) (err error) {
		id, err = AppendDocument(ctx, tx, e, f, doc)
		return err
	})
	if err != nil {
		return nil, err
	}
	return l.Attach(ctx, id, f, doc)
}

// documentNote is the text the log signs for a document.
func documentNote(origin string, digest []byte, entryID int64) string {
	return fmt.Sprintf("%s/document\nsha256:%s\nentry %d\n", origin, hex.EncodeToString(digest), entryID)
}

// Attach waits until entry id (logged by AppendDocument after the caller's
// commit) is in a signed checkpoint, and returns doc carrying the signature
// and the entry's inclusion proof.
func (l *Log) Attach(ctx context.Context, id int64, f Format, doc []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := l.WaitSequenced(ctx, id); err != nil {
		return nil, fmt.Errorf("audit: the document's entry was not sequenced: %w", err)
	}
	p, err := l.Prove(ctx, id)
	if err != nil {
		return nil, err
	}
	digest := DocumentDigest(f, doc)
	if e, _ := ParseLeaf(p.Leaf); e == nil || !bytes.Equal(e.Digest, digest) {
		return nil, errors.New("audit: the entry does not vouch for this document")
	}
	sig, err := note.Sign(&note.Note{Text: documentNote(l.key.Origin(), digest, id)}, l.key.signers()...)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(bundle{Signature: string(sig), Proof: p})
	if err != nil {
		return nil, err
	}
	switch f {
	case FormatJSON:
		doc = bytes.TrimRight(doc, " \t\r\n")
		if !bytes.HasSuffix(doc, []byte("}")) || len(doc) < 3 {
			return nil, errors.New("audit: a JSON document must be a non-empty object")
		}
		out := append(bytes.Clone(doc[:len(doc)-1]), jsonMember...)
		out = append(out, b...)
		return append(out, "}\n"...), nil
	default:
		out := append(bytes.Clone(doc), '\n')
		if f == FormatCSV {
			out = append(out, bytes.Repeat([]byte(","), csvFields(doc)-1)...)
		}
		out = append(out, proofMarker...)
		out = append(out, base64.StdEncoding.EncodeToString(b)...)
		out = append(out, '\n')
		if f == FormatPDF {
			if m := startxref.FindAllSubmatch(doc, -1); len(m) > 0 {
				out = append(out, "startxref\n"...)
				out = append(out, m[len(m)-1][1]...)
				out = append(out, "\n%%EOF\n"...)
			}
		}
		return out, nil
	}
}

// csvFields is the number of fields of the first record of a CSV file.
func csvFields(doc []byte) int {
	rec, err := csv.NewReader(bytes.NewReader(doc)).Read()
	if err != nil || len(rec) == 0 {
		return 1
	}
	return len(rec)
}

var startxref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF`)

// CheckDocument checks a document carrying a proof bundle with the log's
// public keys (the current one, or an earlier one for a document handed out
// before a key rotation) and returns the entry that vouches for it.
func CheckDocument(content []byte, t *Trust) (*Entry, error) {
	doc, raw, f, err := split(content)
	if err != nil {
		return nil, err
	}
	var b bundle
	if err := json.Unmarshal(raw, &b); err != nil || b.Proof == nil {
		return nil, errors.New("the file's proof is unreadable")
	}
	e, err := CheckProof(b.Proof, t)
	if err != nil {
		return nil, err
	}
	digest := DocumentDigest(f, doc)
	if !bytes.Equal(e.Digest, digest) {
		return nil, errors.New("the file was altered: its content does not match the digest its log entry holds")
	}
	n, err := t.open([]byte(b.Signature))
	if err != nil || n.Text != documentNote(t.Origin(), digest, e.ID) {
		return nil, errors.New("the file's signature is not the log key's signature over this content")
	}
	return e, nil
}

// split takes the proof bundle off a document: the original bytes, the
// bundle's JSON and the format.
func split(content []byte) (doc, raw []byte, f Format, err error) {
	if i := bytes.LastIndex(content, []byte(proofMarker)); i >= 0 {
		// The proof line: optional commas (CSV), the marker, the base64.
		start := bytes.LastIndexByte(content[:i], '\n')
		if start < 0 || len(bytes.Trim(content[start+1:i], ",")) > 0 {
			return nil, nil, 0, errors.New("the file's proof is unreadable")
		}
		rest := content[i+len(proofMarker):]
		end := bytes.IndexByte(rest, '\n')
		if end < 0 {
			end = len(rest)
		}
		raw, err := base64.StdEncoding.DecodeString(string(rest[:end]))
		if err != nil {
			return nil, nil, 0, errors.New("the file's proof is unreadable")
		}
		f := FormatText
		if bytes.HasPrefix(content, []byte("%PDF-")) {
			f = FormatPDF
		}
		return content[:start], raw, f, nil
	}
	trimmed := bytes.TrimRight(content, " \t\r\n")
	if i := bytes.LastIndex(trimmed, []byte(jsonMember)); i >= 0 && bytes.HasSuffix(trimmed, []byte("}")) {
		doc := append(bytes.Clone(trimmed[:i]), '}')
		return doc, trimmed[i+len(jsonMember) : len(trimmed)-1], FormatJSON, nil
	}
	return nil, nil, 0, errors.New("the file carries no RKC proof")
}
