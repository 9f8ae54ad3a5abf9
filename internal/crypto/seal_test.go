package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func newTestDataKey(t testing.TB) *DataKey {
	t.Helper()
	dk, err := NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	return dk
}

func newTestKeyring(t testing.TB) *Keyring {
	t.Helper()
	mk, err := GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := NewKeyring(mk)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestSealOpenRoundTrip(t *testing.T) {
	dk := newTestDataKey(t)
	for _, pt := range []string{"", "x", "Naam: J. de Vries, tel. 06-12345678", strings.Repeat("ü", 5000), "\x00\xff not utf-8 \xc3"} {
		sealed := dk.SealString("case-1", "description", pt)
		if want := sealedMin + len(pt); len(sealed) != want {
			t.Errorf("len(sealed) = %d, want %d", len(sealed), want)
		}
		if sealed[0] != sealVersion {
			t.Errorf("version byte = %d, want %d", sealed[0], sealVersion)
		}
		// Only a plaintext long enough that random ciphertext cannot hold it
		// by chance (a one-byte value occurs in ~1 of 9 random ciphertexts
		// of this length) tells whether the value was left in the clear.
		if len(pt) >= 8 && bytes.Contains(sealed, []byte(pt)) {
			t.Error("sealed value contains the plaintext")
		}
		got, err := dk.OpenString("case-1", "description", sealed)
		if err != nil {
			t.Fatalf("OpenString: %v", err)
		}
		if got != pt {
			t.Errorf("round trip changed the value (len %d → %d)", len(pt), len(got))
		}
	}
}

func TestOpenEmptyIsNonNil(t *testing.T) {
	dk := newTestDataKey(t)
	got, err := dk.Open("c", "f", dk.Seal("c", "f", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got) != 0 {
		t.Errorf("Open of sealed empty value = %#v, want empty non-nil slice", got)
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	dk := newTestDataKey(t)
	a := dk.SealString("c", "f", "same")
	b := dk.SealString("c", "f", "same")
	if bytes.Equal(a, b) {
		t.Error("two seals of the same value are identical; nonces must be random")
	}
}

func TestOpenRejectsWrongBinding(t *testing.T) {
	dk := newTestDataKey(t)
	other := newTestDataKey(t)
	sealed := dk.SealString("case-A", "field-X", "geheim")
	tests := []struct {
		name        string
		key         *DataKey
		caseID, fld string
	}{
		{"other case", dk, "case-B", "field-X"},
		{"other field", dk, "case-A", "field-Y"},
		{"both other", dk, "case-B", "field-Y"},
		{"boundary shifted", dk, "case-Af", "ield-X"},
		{"empty case", dk, "", "field-X"},
		{"other key", other, "case-A", "field-X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.key.Open(tt.caseID, tt.fld, sealed)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
			if got != nil {
				t.Error("failed Open returned data")
			}
			if strings.Contains(err.Error(), "geheim") {
				t.Error("error contains plaintext")
			}
		})
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	dk := newTestDataKey(t)
	sealed := dk.SealString("c", "f", "the statement of the complainant")
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := dk.Open("c", "f", bad); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("flipping byte %d: err = %v, want ErrDecrypt", i, err)
		}
	}
	for _, bad := range [][]byte{nil, {}, sealed[:1], sealed[:sealedMin-1], sealed[:len(sealed)-1], append(bytes.Clone(sealed), 0)} {
		if _, err := dk.Open("c", "f", bad); !errors.Is(err, ErrDecrypt) {
			t.Errorf("len %d: err = %v, want ErrDecrypt", len(bad), err)
		}
	}
}

func TestWrapUnwrapRoundTrip(t *testing.T) {
	kr := newTestKeyring(t)
	dk := newTestDataKey(t)
	sealed := dk.SealString("case-1", "name", "Piet")

	wrapped, keyID, err := kr.Wrap(dk, "case-1")
	if err != nil {
		t.Fatal(err)
	}
	if keyID != kr.ActiveID() {
		t.Errorf("keyID = %q, want active %q", keyID, kr.ActiveID())
	}
	if len(wrapped) != wrappedLen || wrapped[0] != wrapVersion {
		t.Errorf("wrapped: len %d version %d, want %d and %d", len(wrapped), wrapped[0], wrappedLen, wrapVersion)
	}
	if bytes.Contains(wrapped, dk.key[:]) {
		t.Error("wrapped key contains the data key")
	}
	got, err := kr.Unwrap(wrapped, keyID, "case-1")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := got.OpenString("case-1", "name", sealed); err != nil || s != "Piet" {
		t.Errorf("unwrapped key opens to %q, %v", s, err)
	}
}

func TestUnwrapRejects(t *testing.T) {
	kr := newTestKeyring(t)
	other := newTestKeyring(t)
	dk := newTestDataKey(t)
	wrapped, keyID, err := kr.Wrap(dk, "case-1")
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(wrapped)
	tampered[20] ^= 0x80
	// A keyring that holds a different key under the same id: the
	// ciphertext must not open with it.
	mk, _ := GenerateMasterKey()
	mk.ID = keyID
	sameID, err := NewKeyring(mk)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		kr      *Keyring
		wrapped []byte
		keyID   string
		caseID  string
		want    error
	}{
		{"wrong case", kr, wrapped, keyID, "case-2", ErrDecrypt},
		{"tampered", kr, tampered, keyID, "case-1", ErrDecrypt},
		{"truncated", kr, wrapped[:len(wrapped)-1], keyID, "case-1", ErrDecrypt},
		{"empty", kr, nil, keyID, "case-1", ErrDecrypt},
		{"other key same id", sameID, wrapped, keyID, "case-1", ErrDecrypt},
		{"unknown id", other, wrapped, keyID, "case-1", ErrUnknownKey},
		{"unknown id empty", kr, wrapped, "", "case-1", ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.kr.Unwrap(tt.wrapped, tt.keyID, tt.caseID)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !errors.Is(err, ErrDecrypt) {
				t.Errorf("err = %v does not match ErrDecrypt", err)
			}
			if got != nil {
				t.Error("failed Unwrap returned a key")
			}
		})
	}
}

func TestUnwrapBindsKeyID(t *testing.T) {
	// Two keys in one keyring: a wrapped key relabelled with the other
	// (known) id must fail authentication, not silently use the other key.
	mk1, _ := GenerateMasterKey()
	mk2, _ := GenerateMasterKey()
	kr, err := NewKeyring(mk1, mk2)
	if err != nil {
		t.Fatal(err)
	}
	wrapped, _, err := kr.Wrap(newTestDataKey(t), "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Unwrap(wrapped, mk2.ID, "c"); !errors.Is(err, ErrDecrypt) || errors.Is(err, ErrUnknownKey) {
		t.Errorf("err = %v, want ErrDecrypt (not ErrUnknownKey)", err)
	}
}

func TestRewrapActiveIsNoop(t *testing.T) {
	kr := newTestKeyring(t)
	wrapped, keyID, err := kr.Wrap(newTestDataKey(t), "c")
	if err != nil {
		t.Fatal(err)
	}
	nw, nid, err := kr.Rewrap(wrapped, keyID, "c")
	if err != nil {
		t.Fatal(err)
	}
	if nid != keyID || !bytes.Equal(nw, wrapped) {
		t.Error("Rewrap of a key already under the active key changed it")
	}
	if _, _, err := kr.Rewrap(wrapped, keyID, "other"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Rewrap for the wrong case: err = %v, want ErrDecrypt", err)
	}
}

func TestZero(t *testing.T) {
	kr := newTestKeyring(t)
	dk := newTestDataKey(t)
	sealed := dk.SealString("c", "f", "v")
	dk.Zero()
	if dk.key != [32]byte{} {
		t.Error("Zero left key bytes")
	}
	if _, err := dk.Open("c", "f", sealed); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Open after Zero: err = %v, want ErrDecrypt", err)
	}
	if _, _, err := kr.Wrap(dk, "c"); err == nil {
		t.Error("Wrap after Zero succeeded; it would store an all-zero key")
	}
	defer func() {
		if recover() == nil {
			t.Error("Seal after Zero did not panic")
		}
	}()
	dk.Seal("c", "f", []byte("v"))
}

func TestKeysAreRedacted(t *testing.T) {
	dk := newTestDataKey(t)
	mk, err := GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{dk, *dk, mk, &mk} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
			out := fmt.Sprintf(verb, v)
			for _, key := range [][]byte{dk.key[:], mk.key[:]} {
				for _, enc := range []string{hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)), base64.StdEncoding.EncodeToString(key), fmt.Sprint(key[:4])[1:8]} {
					if strings.Contains(out, enc) {
						t.Errorf("fmt %s of %T leaks key material: %s", verb, v, out)
					}
				}
			}
		}
	}
}

// FuzzOpen checks that no input makes Open panic or open a value it was not
// given; the seed corpus runs with the ordinary tests.
func FuzzOpen(f *testing.F) {
	dk := newTestDataKey(f)
	f.Add(dk.SealString("c", "f", "hello"), "c", "f")
	f.Add([]byte{}, "", "")
	f.Add([]byte{sealVersion}, "c", "f")
	f.Fuzz(func(t *testing.T, sealed []byte, caseID, field string) {
		pt, err := dk.Open(caseID, field, sealed)
		if err != nil && !errors.Is(err, ErrDecrypt) {
			t.Fatalf("error not wrapping ErrDecrypt: %v", err)
		}
		if err == nil && string(pt) != "hello" {
			t.Fatalf("opened a value that was never sealed")
		}
	})
}

func BenchmarkSeal1KiB(b *testing.B) {
	dk := newTestDataKey(b)
	pt := bytes.Repeat([]byte("a"), 1024)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		dk.Seal("3f2a9c1e-0000-4000-8000-000000000001", "description", pt)
	}
}

func BenchmarkOpen1KiB(b *testing.B) {
	dk := newTestDataKey(b)
	pt := bytes.Repeat([]byte("a"), 1024)
	sealed := dk.Seal("3f2a9c1e-0000-4000-8000-000000000001", "description", pt)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := dk.Open("3f2a9c1e-0000-4000-8000-000000000001", "description", sealed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnwrap(b *testing.B) {
	kr := newTestKeyring(b)
	wrapped, keyID, err := kr.Wrap(newTestDataKey(b), "3f2a9c1e-0000-4000-8000-000000000001")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		dk, err := kr.Unwrap(wrapped, keyID, "3f2a9c1e-0000-4000-8000-000000000001")
		if err != nil {
			b.Fatal(err)
		}
		dk.Zero()
	}
}
