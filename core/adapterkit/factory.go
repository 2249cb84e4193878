package adapterkit

import "ucbi-console/core"

// Factory is the core.AdapterFactory of an adapter's constructor: the adapter it builds, or
// its error alone (a nil *Adapter returned as a core.Adapter would not be nil).
func Factory[A core.Adapter](newAdapter func(core.Source) (A, error)) core.AdapterFactory {
	return func(src core.Source) (core.Adapter, error) {
		a, err := newAdapter(src)
		if err != nil {
			return nil, err
		}
		return a, nil
	}
}

// CheckVia refuses a source meant for another open layer than via (an empty via is taken as
// this one).
func CheckVia(src core.Source, via string) error {
	if src.Via != "" && src.Via != via {
		return core.Errorf(core.CodeBadParam, "source %q: via is %q, this adapter serves %q", src.ID, src.Via, via)
	}
	return nil
}
