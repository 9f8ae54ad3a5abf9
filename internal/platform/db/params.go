package db

import (
	"strconv"
	"strings"
)

// Params lists n positional parameters numbered from $first+1 ("$3, $4"),
// for statements that put several rows or queries into one, each with its
// own run of parameters.
func Params(first, n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = "$" + strconv.Itoa(first+i+1)
	}
	return strings.Join(p, ", ")
}
