//go:build tools

// Package tools pins the tools of the repository (see go.mod's tool lines)
// and, here, what a Go client generated from the API document needs to
// compile: internal/server's TestGeneratedGoClient generates one with
// oapi-codegen and builds it in a module with these versions, so the test
// fetches nothing and the product's go.mod lists only what the product
// needs.
package tools

import (
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/labstack/echo/v4"
	_ "github.com/oapi-codegen/runtime"
	_ "go.yaml.in/yaml/v3"
)
