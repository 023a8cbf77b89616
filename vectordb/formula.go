package vectordb

import (
	"math"
	"strconv"

	"nexusos/internal/lazyregexp"
)

// Formula queries: each candidate of the prefetches is re-scored by an
// arithmetic expression over its prefetch scores, payload values and
// filter conditions (Qdrant's FormulaQuery).

// Expr is a formula expression: exactly one field is set.
type Expr struct {
	Const *float64
	// Var is "$score" (the first prefetch's score), "$score[i]" (prefetch
	// i's) or a payload key, whose first numeric value is used.
	Var         string
	Cond        *Condition // 1 when the point matches, else 0
	Sum         []Expr
	Mult        []Expr
	Div         *DivExpr
	Abs         *Expr
	Neg         *Expr
	Sqrt        *Expr
	Exp         *Expr
	Log10       *Expr
	Ln          *Expr
	Pow         *PowExpr
	Decay       *DecayExpr
	GeoDistance *GeoDistanceExpr
}

// DivExpr is Left / Right; ByZero (when set) is the result of a division
// by zero, which is otherwise an error.
type DivExpr struct {
	Left, Right Expr
	ByZero      *float64
}

// PowExpr is Base ^ Exponent.
type PowExpr struct{ Base, Exponent Expr }

// DecayExpr is a decay function of |X - Target| (Target default 0):
// Kind "lin", "exp" or "gauss"; Scale (default 1) is the distance at
// which the result is Midpoint (default 0.5).
type DecayExpr struct {
	Kind            string
	X               Expr
	Target          *Expr
	Scale, Midpoint *float64
}

// GeoDistanceExpr is the distance in metres from Origin to the location
// under payload key To.
type GeoDistanceExpr struct {
	Origin GeoPoint
	To     string
}

// FormulaQuery scores candidates by Formula. Defaults give values to
// payload keys a point lacks.
type FormulaQuery struct {
	Formula  Expr
	Defaults map[string]any
}

// Formula bounds.
const (
	maxFormulaDepth = 64
	maxFormulaNodes = 4096
)

var scoreVar = lazyregexp.New(`^\$score(?:\[(\d+)\])?$`)

// validateExpr checks an expression's shape, depth and size, and that
// $score indexes name existing prefetches.
func validateExpr(e *Expr, prefetches int) error {
	nodes := 0
	var walk func(e *Expr, depth int) error
	walk = func(e *Expr, depth int) error {
		if depth > maxFormulaDepth {
			return BadInput("Formula nested deeper than %d levels", maxFormulaDepth)
		}
		if nodes++; nodes > maxFormulaNodes {
			return BadInput("Formula has more than %d nodes", maxFormulaNodes)
		}
		n := 0
		var subs []*Expr
		if e.Const != nil {
			n++
			if math.IsNaN(*e.Const) || math.IsInf(*e.Const, 0) {
				return BadInput("Formula constants must be finite")
			}
		}
		if e.Var != "" {
			n++
			if m := scoreVar.FindStringSubmatch(e.Var); m != nil && m[1] != "" {
				i, err := strconv.Atoi(m[1])
				if err != nil || i >= prefetches {
					return BadInput("Formula refers to %s but the query has %d prefetches", e.Var, prefetches)
				}
			} else if m == nil {
				if _, err := parsePath(e.Var); err != nil {
					return err
				}
			}
		}
		if e.Cond != nil {
			n++
			if err := validateFilter(&Filter{Must: []Condition{*e.Cond}}, depth); err != nil {
				return err
			}
		}
		if e.Sum != nil {
			n++
			for i := range e.Sum {
				subs = append(subs, &e.Sum[i])
			}
		}
		if e.Mult != nil {
			n++
			for i := range e.Mult {
				subs = append(subs, &e.Mult[i])
			}
		}
		if e.Div != nil {
			n++
			subs = append(subs, &e.Div.Left, &e.Div.Right)
		}
		for _, u := range []*Expr{e.Abs, e.Neg, e.Sqrt, e.Exp, e.Log10, e.Ln} {
			if u != nil {
				n++
				subs = append(subs, u)
			}
		}
		if e.Pow != nil {
			n++
			subs = append(subs, &e.Pow.Base, &e.Pow.Exponent)
		}
		if d := e.Decay; d != nil {
			n++
			switch d.Kind {
			case "lin", "exp", "gauss":
			default:
				return BadInput("Unknown decay function %q", d.Kind)
			}
			if d.Scale != nil && !(*d.Scale > 0) {
				return BadInput("Decay scale must be positive")
			}
			if d.Midpoint != nil && !(*d.Midpoint > 0 && *d.Midpoint < 1) {
				return BadInput("Decay midpoint must be between 0 and 1 (exclusive)")
			}
			subs = append(subs, &d.X)
			if d.Target != nil {
				subs = append(subs, d.Target)
			}
		}
		if g := e.GeoDistance; g != nil {
			n++
			if err := validGeoPoint(g.Origin); err != nil {
				return err
			}
		}
		if n != 1 {
			return BadInput("A formula expression must be exactly one of a number, a variable, a condition or an operation")
		}
		for _, s := range subs {
			if err := walk(s, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(e, 0)
}

// formulaEnv is what an expression is evaluated against for one point.
type formulaEnv struct {
	m        matcher
	p        *point
	scores   []map[PointID]float32 // per prefetch
	defaults map[string]any
}

func numberOf(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case []any:
		for _, e := range x {
			if f, ok := e.(float64); ok {
				return f, true
			}
		}
	}
	return 0, false
}

func (env *formulaEnv) eval(e *Expr) (float64, error) {
	switch {
	case e.Const != nil:
		return *e.Const, nil
	case e.Var != "":
		if m := scoreVar.FindStringSubmatch(e.Var); m != nil {
			i := 0
			if m[1] != "" {
				i, _ = strconv.Atoi(m[1])
			}
			if i < len(env.scores) {
				if s, ok := env.scores[i][env.p.id]; ok {
					return float64(s), nil
				}
			}
			if d, ok := numberOf(env.defaults[e.Var]); ok {
				return d, nil
			}
			return 0, nil // not among that prefetch's results
		}
		for _, v := range valuesOf(map[string]any(env.p.payload), e.Var) {
			if f, ok := numberOf(v); ok {
				return f, nil
			}
		}
		if d, ok := numberOf(env.defaults[e.Var]); ok {
			return d, nil
		}
		return 0, badRequest("No value found for formula variable %q in point %s (give one in `defaults`)", e.Var, env.p.id)
	case e.Cond != nil:
		if env.m.match(&Filter{Must: []Condition{*e.Cond}}, env.p) {
			return 1, nil
		}
		return 0, nil
	case e.Sum != nil:
		s := 0.0
		for i := range e.Sum {
			v, err := env.eval(&e.Sum[i])
			if err != nil {
				return 0, err
			}
			s += v
		}
		return s, nil
	case e.Mult != nil:
		s := 1.0
		for i := range e.Mult {
			v, err := env.eval(&e.Mult[i])
			if err != nil {
				return 0, err
			}
			s *= v
		}
		return s, nil
	case e.Div != nil:
		l, err := env.eval(&e.Div.Left)
		if err != nil {
			return 0, err
		}
		r, err := env.eval(&e.Div.Right)
		if err != nil {
			return 0, err
		}
		if r == 0 {
			if e.Div.ByZero != nil {
				return *e.Div.ByZero, nil
			}
			return 0, badRequest("Division by zero in formula (set `by_zero_default`)")
		}
		return l / r, nil
	case e.Pow != nil:
		b, err := env.eval(&e.Pow.Base)
		if err != nil {
			return 0, err
		}
		x, err := env.eval(&e.Pow.Exponent)
		if err != nil {
			return 0, err
		}
		return math.Pow(b, x), nil
	case e.Decay != nil:
		d := e.Decay
		x, err := env.eval(&d.X)
		if err != nil {
			return 0, err
		}
		target := 0.0
		if d.Target != nil {
			if target, err = env.eval(d.Target); err != nil {
				return 0, err
			}
		}
		scale, mid := 1.0, 0.5
		if d.Scale != nil {
			scale = *d.Scale
		}
		if d.Midpoint != nil {
			mid = *d.Midpoint
		}
		dist := math.Abs(x - target)
		switch d.Kind {
		case "lin":
			return math.Max(0, 1-(1-mid)/scale*dist), nil
		case "exp":
			return math.Exp(math.Log(mid) / scale * dist), nil
		}
		return math.Exp(math.Log(mid) / (scale * scale) * dist * dist), nil
	case e.GeoDistance != nil:
		for _, v := range valuesOf(map[string]any(env.p.payload), e.GeoDistance.To) {
			if g, ok := geoValue(v); ok {
				return haversine(e.GeoDistance.Origin, g), nil
			}
		}
		if g, ok := geoValue(env.defaults[e.GeoDistance.To]); ok {
			return haversine(e.GeoDistance.Origin, g), nil
		}
		return 0, badRequest("No location found for formula variable %q in point %s", e.GeoDistance.To, env.p.id)
	}
	var u *Expr
	var f func(float64) (float64, error)
	switch {
	case e.Abs != nil:
		u, f = e.Abs, func(x float64) (float64, error) { return math.Abs(x), nil }
	case e.Neg != nil:
		u, f = e.Neg, func(x float64) (float64, error) { return -x, nil }
	case e.Sqrt != nil:
		u, f = e.Sqrt, func(x float64) (float64, error) {
			if x < 0 {
				return 0, badRequest("Square root of a negative number in formula")
			}
			return math.Sqrt(x), nil
		}
	case e.Exp != nil:
		u, f = e.Exp, func(x float64) (float64, error) { return math.Exp(x), nil }
	case e.Log10 != nil:
		u, f = e.Log10, func(x float64) (float64, error) {
			if x <= 0 {
				return 0, badRequest("Logarithm of a non-positive number in formula")
			}
			return math.Log10(x), nil
		}
	case e.Ln != nil:
		u, f = e.Ln, func(x float64) (float64, error) {
			if x <= 0 {
				return 0, badRequest("Logarithm of a non-positive number in formula")
			}
			return math.Log(x), nil
		}
	default:
		return 0, BadInput("empty formula expression")
	}
	x, err := env.eval(u)
	if err != nil {
		return 0, err
	}
	return f(x)
}

// formulaHits scores the union of the prefetch results by q.
//
// Preconditions: c.mu is held.
func (c *collection) formulaHits(q *FormulaQuery, lists [][]hit, threshold *float32, limit int) ([]hit, error) {
	if len(lists) == 0 {
		return nil, BadInput("A formula query needs at least one prefetch")
	}
	if err := validateExpr(&q.Formula, len(lists)); err != nil {
		return nil, err
	}
	env := formulaEnv{m: matcher{c}, defaults: q.Defaults}
	seen := map[PointID]bool{}
	var order []PointID
	for _, l := range lists {
		sc := make(map[PointID]float32, len(l))
		for _, h := range l {
			sc[h.id] = h.score
			if !seen[h.id] {
				seen[h.id] = true
				order = append(order, h.id)
			}
		}
		env.scores = append(env.scores, sc)
	}
	t := topK{k: limit}
	for _, id := range order {
		p := c.points[id]
		if p == nil {
			continue
		}
		env.p = p
		v, err := env.eval(&q.Formula)
		if err != nil {
			return nil, err
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, badRequest("The formula gave a non-finite score (%v) for point %s", v, id)
		}
		s := float32(v)
		if threshold != nil && s < *threshold {
			continue
		}
		t.push(hit{id: id, score: s, key: s})
	}
	return t.sorted(), nil
}
