package ui

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ucbi-console/core"
	"ucbi-console/store"
)

// ---------------------------------------------------------------------------------------------
// Friends, groups and members

func (s *composeScreen) onPickTarget() {
	s.showContactPicker(L("Pick a friend or group"), []string{"friend", "group"}, func(c store.Contact) {
		if c.Kind == "group" {
			s.setType(core.TypeGroup)
		} else {
			s.setType(core.TypePrivate)
		}
		s.idEntry.SetText(c.ID)
		s.targetName = c.Name
		s.refresh()
	})
}

func composeContactLine(c store.Contact) string {
	name := c.Name
	if c.Remark != "" && c.Remark != c.Name {
		name += " (" + c.Remark + ")"
	}
	kind := L(c.Kind)
	if c.Kind == "group" && c.MemberCount > 0 {
		kind += fmt.Sprintf(" · %d", c.MemberCount)
	}
	return name + " — " + c.ID + " · " + kind
}

// contactPicker is the search-and-pick dialog of friends, groups or members.
type contactPicker struct {
	s      *composeScreen
	src    core.Source
	layer  openLayer
	kinds  []string
	all    []store.Contact
	shown  []store.Contact
	search *widget.Entry
	list   *widget.List
	status *widget.Label
	dlg    dialog.Dialog
	onPick func(store.Contact)
}

func (s *composeScreen) showContactPicker(title string, kinds []string, onPick func(store.Contact)) {
	src, ok := s.selectedSource()
	if !ok {
		s.e.showError(errors.New(L("Choose a source first.")))
		return
	}
	layer, ok := openLayerOf(src.Via)
	if !ok {
		s.e.showError(fmt.Errorf(L("Sources of kind %s cannot list friends and groups here."), src.Via))
		return
	}
	p := s.newContactPicker(src, layer, kinds, onPick)
	refresh := widget.NewButtonWithIcon(L("Refresh from the backend"), theme.ViewRefreshIcon(), func() { p.load(true) })
	content := container.NewBorder(
		container.NewVBox(p.search, p.status), refresh, nil, nil, p.list)
	p.dlg = dialog.NewCustom(title, L("Close"), content, s.e.win)
	s.e.showDialog(p.dlg, 520, 560)
	p.load(false)
	s.e.win.Canvas().Focus(p.search)
}

func (s *composeScreen) newContactPicker(src core.Source, layer openLayer, kinds []string, onPick func(store.Contact)) *contactPicker {
	p := &contactPicker{s: s, src: src, layer: layer, kinds: kinds, onPick: onPick}
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder(L("Search by name or id"))
	p.search.OnChanged = func(string) { p.filter() }
	p.status = widget.NewLabel(L("Loading…"))
	p.status.Wrapping = fyne.TextWrapWord
	p.list = widget.NewList(
		func() int { return len(p.shown) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.shown) {
				o.(*widget.Label).SetText(composeContactLine(p.shown[i]))
			}
		})
	p.list.OnSelected = func(i widget.ListItemID) {
		if i < 0 || i >= len(p.shown) {
			return
		}
		c := p.shown[i]
		if p.dlg != nil {
			p.dlg.Hide()
		}
		p.onPick(c)
	}
	return p
}

// load fills the picker: the store's cached lists (members: this screen's memory), fetching
// from the backend when forced or when nothing is cached.
func (p *contactPicker) load(force bool) {
	s := p.s
	st, d, src, layer, kinds := s.e.deps.Store, s.e.deps.Dispatcher, p.src, p.layer, p.kinds
	cachedMembers := map[string][]store.Contact{}
	for _, k := range kinds {
		if m, ok := s.members[src.ID+"\x00"+k]; ok {
			cachedMembers[k] = m
		}
	}
	p.status.SetText(L("Loading…"))
	s.e.run("compose.contacts", func() func() {
		var all []store.Contact
		var problems []string
		var fetched time.Time
		fresh := map[string][]store.Contact{}
		for _, k := range kinds {
			var list []store.Contact
			var at time.Time
			var err error
			member := strings.HasPrefix(k, "member:")
			if !force {
				if member {
					list, at = cachedMembers[k], time.Time{}
				} else {
					list, at, err = st.ContactsOf(src.ID, k)
				}
			}
			if force || err != nil || len(list) == 0 {
				list, err = fetchContacts(d, layer, src.ContextOf(), k)
				at = time.Now()
				if err == nil {
					if member {
						fresh[k] = list
					} else if perr := st.PutContacts(src.ID, k, list); perr != nil {
						problems = append(problems, errorText(perr))
					}
				}
			}
			if err != nil {
				problems = append(problems, fmt.Sprintf(L("Cannot load the list: %s"), errorText(err)))
				continue
			}
			all = append(all, list...)
			if !at.IsZero() && (fetched.IsZero() || at.Before(fetched)) {
				fetched = at
			}
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].Kind < all[j].Kind })
		return func() {
			for k, v := range fresh {
				s.members[src.ID+"\x00"+k] = v
			}
			p.all = all
			p.filter()
			status := fmt.Sprintf(L("%d found"), len(all))
			if !fetched.IsZero() {
				status = fmt.Sprintf(L("%d found · fetched %s"), len(all), fetched.Local().Format("2006-01-02 15:04"))
			}
			if len(problems) > 0 {
				status += "\n" + strings.Join(problems, "\n")
			}
			p.status.SetText(status)
		}
	})
}

func (p *contactPicker) filter() {
	p.shown = store.SearchContacts(p.all, p.search.Text)
	p.list.UnselectAll()
	p.list.Refresh()
}
