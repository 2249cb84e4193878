package store

import (
	"encoding/json"
	"fmt"

	"ucbi-console/core"
)

// keyEndpointSettings holds the endpoint's settings, one JSON document: the GUI edits them,
// serve reads them and its flags override them for that run.
const keyEndpointSettings = "endpoint.settings"

// legacyEndpointKeys are where the GUI kept listen, root and token before the settings were
// stored as one document; they are read when the document is absent.
var legacyEndpointKeys = struct{ listen, root, token string }{"endpoint.listen", "endpoint.root", "endpoint.token"}

// EndpointSettings returns the stored endpoint settings (zero values when none are stored).
func (db *DB) EndpointSettings() (core.EndpointSettings, error) {
	var s core.EndpointSettings
	raw, ok, err := db.Setting(keyEndpointSettings)
	if err != nil {
		return s, err
	}
	if ok {
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return core.EndpointSettings{}, fmt.Errorf("stored endpoint settings are unreadable: %v", err)
		}
		return s, nil
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{legacyEndpointKeys.listen, &s.Listen}, {legacyEndpointKeys.root, &s.Root}, {legacyEndpointKeys.token, &s.Token}} {
		v, _, err := db.Setting(f.key)
		if err != nil {
			return core.EndpointSettings{}, err
		}
		*f.dst = v
	}
	return s, nil
}

// PutEndpointSettings stores the endpoint settings, replacing the previous ones whole.
func (db *DB) PutEndpointSettings(s core.EndpointSettings) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode endpoint settings: %w", err)
	}
	return db.PutSetting(keyEndpointSettings, string(b))
}
