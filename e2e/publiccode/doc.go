// Package publiccode holds the tests of the repository's public-code files
// (the Standard for Public Code): publiccode.yml against the standard's
// JSON schema and against the repository itself, and the LICENSE it names.
// It has no code of its own.
package publiccode
