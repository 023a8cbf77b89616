package rest

import (
	"encoding/json"
	"fmt"
	"strings"

	"nexusos/vectordb"
)

// parseFormula decodes a FormulaQuery's expression (Qdrant's Expression:
// a number, "$score", "$score[i]" or a payload key, a condition, or an
// operation object).
func parseFormula(raw json.RawMessage, depth int) (vectordb.Expr, error) {
	var e vectordb.Expr
	if depth > 64 {
		return e, fmt.Errorf("formula nested deeper than 64 levels")
	}
	switch jsonKind(raw) {
	case '"':
		if err := json.Unmarshal(raw, &e.Var); err != nil || e.Var == "" {
			return e, fmt.Errorf("formula variable: expected a non-empty string")
		}
		return e, nil
	case '{':
	case 0, 'n', '[', 't', 'f':
		return e, fmt.Errorf("formula: expected a number, a variable name, a condition or an operation")
	default:
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			return e, fmt.Errorf("formula: %w", err)
		}
		e.Const = &f
		return e, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return e, fmt.Errorf("formula: %w", err)
	}
	sub := func(r json.RawMessage) (*vectordb.Expr, error) {
		x, err := parseFormula(r, depth+1)
		return &x, err
	}
	list := func(r json.RawMessage) ([]vectordb.Expr, error) {
		var items []json.RawMessage
		if err := json.Unmarshal(r, &items); err != nil {
			return nil, fmt.Errorf("expected an array of expressions")
		}
		if len(items) > 4096 {
			return nil, fmt.Errorf("at most 4096 operands")
		}
		out := make([]vectordb.Expr, len(items))
		for i, it := range items {
			x, err := parseFormula(it, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	if len(obj) == 1 {
		for k, v := range obj {
			var err error
			switch k {
			case "sum":
				e.Sum, err = list(v)
				if err == nil && e.Sum == nil {
					e.Sum = []vectordb.Expr{}
				}
			case "mult":
				e.Mult, err = list(v)
				if err == nil && e.Mult == nil {
					e.Mult = []vectordb.Expr{}
				}
			case "abs":
				e.Abs, err = sub(v)
			case "neg":
				e.Neg, err = sub(v)
			case "sqrt":
				e.Sqrt, err = sub(v)
			case "exp":
				e.Exp, err = sub(v)
			case "log10":
				e.Log10, err = sub(v)
			case "ln":
				e.Ln, err = sub(v)
			case "div":
				var w struct {
					Left   json.RawMessage `json:"left"`
					Right  json.RawMessage `json:"right"`
					ByZero *float64        `json:"by_zero_default"`
				}
				if err = json.Unmarshal(v, &w); err != nil || w.Left == nil || w.Right == nil {
					return e, fmt.Errorf("formula div: expected {left, right, by_zero_default}")
				}
				d := &vectordb.DivExpr{ByZero: w.ByZero}
				if d.Left, err = parseFormula(w.Left, depth+1); err == nil {
					d.Right, err = parseFormula(w.Right, depth+1)
				}
				e.Div = d
			case "pow":
				var w struct {
					Base     json.RawMessage `json:"base"`
					Exponent json.RawMessage `json:"exponent"`
				}
				if err = json.Unmarshal(v, &w); err != nil || w.Base == nil || w.Exponent == nil {
					return e, fmt.Errorf("formula pow: expected {base, exponent}")
				}
				p := &vectordb.PowExpr{}
				if p.Base, err = parseFormula(w.Base, depth+1); err == nil {
					p.Exponent, err = parseFormula(w.Exponent, depth+1)
				}
				e.Pow = p
			case "lin_decay", "exp_decay", "gauss_decay":
				var w struct {
					X        json.RawMessage `json:"x"`
					Target   json.RawMessage `json:"target"`
					Scale    *float64        `json:"scale"`
					Midpoint *float64        `json:"midpoint"`
				}
				if err = json.Unmarshal(v, &w); err != nil || w.X == nil {
					return e, fmt.Errorf("formula %s: expected {x, target, scale, midpoint}", k)
				}
				d := &vectordb.DecayExpr{Kind: strings.TrimSuffix(k, "_decay"), Scale: w.Scale, Midpoint: w.Midpoint}
				d.X, err = parseFormula(w.X, depth+1)
				if err == nil && !isNull(w.Target) {
					d.Target, err = sub(w.Target)
				}
				e.Decay = d
			case "geo_distance":
				var w struct {
					Origin *geoPointWire `json:"origin"`
					To     *string       `json:"to"`
				}
				if err = json.Unmarshal(v, &w); err != nil || w.Origin == nil || w.To == nil {
					return e, fmt.Errorf("formula geo_distance: expected {origin, to}")
				}
				e.GeoDistance = &vectordb.GeoDistanceExpr{Origin: w.Origin.point(), To: *w.To}
			case "datetime", "datetime_key":
				return e, fmt.Errorf("formula %s is not supported", k)
			default:
				goto condition
			}
			if err != nil {
				return e, fmt.Errorf("formula %s: %w", k, err)
			}
			return e, nil
		}
	}
condition:
	c, err := parseCondition(raw, depth)
	if err != nil {
		return e, fmt.Errorf("formula condition: %w", err)
	}
	e.Cond = &c
	return e, nil
}

// parseFormulaQuery decodes {"formula": ..., "defaults": {...}}.
func parseFormulaQuery(obj map[string]json.RawMessage) (*vectordb.Query, error) {
	f, err := parseFormula(obj["formula"], 0)
	if err != nil {
		return nil, err
	}
	fq := &vectordb.FormulaQuery{Formula: f}
	if d := obj["defaults"]; !isNull(d) {
		if err := json.Unmarshal(d, &fq.Defaults); err != nil {
			return nil, fmt.Errorf("query.defaults: expected an object")
		}
	}
	return &vectordb.Query{Formula: fq}, nil
}
