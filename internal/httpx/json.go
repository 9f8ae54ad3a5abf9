package httpx

import (
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/labstack/echo/v4"
)

// JSONSerializer writes every JSON answer of the service. It writes what
// encoding/json would (the v1 semantics of go-json-experiment/json, so
// field names, omitempty and null are unchanged) except that every time is
// written in UTC (RFC 3339, `2026-03-01T09:30:00Z`): a time read from the
// database or the clock carries the process's time zone, and the API must
// not depend on where the server runs (docs/decisions.md). Set it as the
// echo instance's JSONSerializer.
type JSONSerializer struct{}

var answerOptions = json.JoinOptions(
	jsonv1.DefaultOptionsV1(),
	json.WithMarshalers(json.MarshalToFunc(func(enc *jsontext.Encoder, t time.Time) error {
		b, err := t.UTC().MarshalJSON()
		if err != nil {
			return err
		}
		return enc.WriteValue(b)
	})),
)

// Serialize writes i as JSON, indented when indent is not empty.
func (JSONSerializer) Serialize(c echo.Context, i any, indent string) error {
	opts := answerOptions
	if indent != "" {
		opts = json.JoinOptions(opts, jsontext.WithIndent(indent))
	}
	b, err := json.Marshal(i, opts)
	if err != nil {
		return err
	}
	_, err = c.Response().Write(append(b, '\n'))
	return err
}

// Deserialize reads a request body with BindJSON's strict rules.
func (JSONSerializer) Deserialize(c echo.Context, i any) error {
	return BindJSON(c, i)
}
