package server_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/server"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// TestGeneratedGoClient: a client generated from the served document by
// oapi-codegen, the common Go generator, with its default settings
// compiles, and signs in and reads the caller against the real service.
// The generator and what its code imports are pinned in tools/go.mod (not
// the product's module); the client is built in a module made of those
// pins, so the test fetches nothing once the module cache holds them.
func TestGeneratedGoClient(t *testing.T) {
	t.Parallel()
	tools, err := filepath.Abs("../../tools")
	if err != nil {
		t.Fatal(err)
	}
	env := apptest.New(t)
	p := env.Person("klager@bzk.example.nl", "BZK", apptest.Grant("complainant", "BZK"))

	dir := t.TempDir()
	spec := filepath.Join(dir, "openapi.json")
	write(t, spec, env.Must(200, nil, "GET", "/api/v1/openapi.json", nil).Body)
	if err := os.Mkdir(filepath.Join(dir, "rkc"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, tools, "go", "tool", "oapi-codegen", "-package", "rkc", "-o", filepath.Join(dir, "rkc", "rkc.gen.go"), spec)

	mod, err := os.ReadFile(filepath.Join(tools, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "go.mod"), bytes.Replace(mod, []byte("module github.com/rkc-nl/rkc/tools"), []byte("module rkcclient"), 1))
	sum, err := os.ReadFile(filepath.Join(tools, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "go.sum"), sum)
	write(t, filepath.Join(dir, "main.go"), []byte(clientMain))

	out := run(t, dir, "go", "run", ".", env.Server.URL, p.Email, apptest.Password)
	if want := "201 200 " + p.Email + " " + server.APIVersion; strings.TrimSpace(out) != want {
		t.Errorf("the generated client says %q, want %q", strings.TrimSpace(out), want)
	}
}

// clientMain signs in with the generated client and reads the caller.
const clientMain = `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"rkcclient/rkc"
)

func main() {
	ctx := context.Background()
	c, err := rkc.NewClientWithResponses(os.Args[1] + "/api/v1")
	if err != nil {
		panic(err)
	}
	in, err := c.LoginWithResponse(ctx, rkc.LoginJSONRequestBody{Email: os.Args[2], Password: os.Args[3]})
	if err != nil {
		panic(err)
	}
	if in.JSON201 == nil {
		fmt.Println(in.StatusCode(), string(in.Body))
		os.Exit(1)
	}
	bearer := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+in.JSON201.Token)
		return nil
	}
	me, err := c.MeWithResponse(ctx, bearer)
	if err != nil {
		panic(err)
	}
	if me.JSON200 == nil {
		fmt.Println(in.StatusCode(), me.StatusCode(), string(me.Body))
		os.Exit(1)
	}
	fmt.Println(in.StatusCode(), me.StatusCode(), string(me.JSON200.Email), me.HTTPResponse.Header.Get("API-Version"))
}
`

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs a go command in dir with the module pins as they are (no
// fetching of newer versions, no workspace) and returns its output.
func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	// Only standard output is the command's answer: on a machine whose
	// module cache is still empty, go writes "go: downloading …" to
	// standard error first.
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}
