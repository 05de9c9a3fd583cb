// Attribute accessors on the typed IDMEFv2 2.D.V08 model, one per attribute.

package sigma

import "github.com/vigie-siem/vigie/idmefv2"

// alertAttr returns the accessor of a top-level Alert attribute.
func alertAttr(name string) (classGet, attrKind, bool) {
	switch name {
	case "Version":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.Version)) }, kindID, true
	case "ID":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.ID)) }, kindID, true
	case "OrganisationName":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.OrganisationName)) }, kindText, true
	case "OrganisationId":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.OrganisationId)) }, kindID, true
	case "EntityName":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.EntityName)) }, kindText, true
	case "EntityId":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.EntityId)) }, kindID, true
	case "EntitySector":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.EntitySector, vi) }, kindID, true
	case "Type":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.Type, vi) }, kindID, true
	case "Category":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.Category, vi) }, kindText, true
	case "ext-Category":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.ExtCategory, vi) }, kindText, true
	case "Cause":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.Cause)) }, kindID, true
	case "Description":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.Description)) }, kindText, true
	case "Status":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.Status, vi) }, kindID, true
	case "Priority":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.Priority)) }, kindID, true
	case "Confidence":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
			return a.Confidence != nil && t.test(value{n: *a.Confidence, num: true})
		}, kindNum, true
	case "Note":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.Note)) }, kindText, true
	case "CreateTime":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.CreateTime)) }, kindID, true
	case "StartTime":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.StartTime)) }, kindID, true
	case "EndTime":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.EndTime)) }, kindID, true
	case "ReportTime":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testStr(t, string(a.ReportTime)) }, kindID, true
	case "AltNames":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.AltNames, vi) }, kindText, true
	case "AltCategory":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.AltCategory, vi) }, kindText, true
	case "Ref":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.Ref, vi) }, kindID, true
	case "CorrelID":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.CorrelID, vi) }, kindID, true
	case "AggrCondition":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.AggrCondition, vi) }, kindID, true
	case "PredID":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.PredID, vi) }, kindID, true
	case "RelID":
		return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { return testList(t, a.RelID, vi) }, kindID, true
	}
	return nil, 0, false
}

// classAttr returns the accessor of attribute attr of class cls.
func classAttr(cls, attr string) (classGet, attrKind, bool) {
	switch cls {
	case "Analyzer":
		switch attr {
		case "ID":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { z := &a.Analyzer; return testStr(t, string(z.ID)) }, kindID, true
		case "IP":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { z := &a.Analyzer; return testStr(t, string(z.IP)) }, kindID, true
		case "Name":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testStr(t, string(z.Name))
			}, kindText, true
		case "Hostname":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testStr(t, string(z.Hostname))
			}, kindText, true
		case "Model":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testStr(t, string(z.Model))
			}, kindText, true
		case "Category":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testList(t, z.Category, vi)
			}, kindID, true
		case "ext-Category":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testList(t, z.ExtCategory, vi)
			}, kindID, true
		case "Data":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool { z := &a.Analyzer; return testList(t, z.Data, vi) }, kindID, true
		case "ext-Data":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testList(t, z.ExtData, vi)
			}, kindID, true
		case "Method":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testList(t, z.Method, vi)
			}, kindID, true
		case "ext-Method":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testList(t, z.ExtMethod, vi)
			}, kindID, true
		case "GeoLocation":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testStr(t, string(z.GeoLocation))
			}, kindID, true
		case "UnLocation":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testStr(t, string(z.UnLocation))
			}, kindID, true
		case "Location":
			return func(a *idmefv2.Alert, _, vi int, t valueTest) bool {
				z := &a.Analyzer
				return testStr(t, string(z.Location))
			}, kindText, true
		}
	case "Sensor":
		switch attr {
		case "ID":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Sensor, ci, func(z *idmefv2.Sensor) bool { return testStr(t, string(z.ID)) })
			}, kindID, true
		case "IP":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Sensor, ci, func(z *idmefv2.Sensor) bool { return testStr(t, string(z.IP)) })
			}, kindID, true
		case "Name":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Sensor, ci, func(z *idmefv2.Sensor) bool { return testStr(t, string(z.Name)) })
			}, kindText, true
		case "Hostname":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Sensor, ci, func(z *idmefv2.Sensor) bool { return testStr(t, string(z.Hostname)) })
			}, kindText, true
		case "Model":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Sensor, ci, func(z *idmefv2.Sensor) bool { return testStr(t, string(z.Model)) })
			}, kindText, true
		case "GeoLocation":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Sensor, ci, func(z *idmefv2.Sensor) bool { return testStr(t, string(z.GeoLocation)) })
			}, kindID, true
		case "UnLocation":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Sensor, ci, func(z *idmefv2.Sensor) bool { return testStr(t, string(z.UnLocation)) })
			}, kindID, true
		case "Location":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Sensor, ci, func(z *idmefv2.Sensor) bool { return testStr(t, string(z.Location)) })
			}, kindText, true
		case "CaptureZone":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Sensor, ci, func(z *idmefv2.Sensor) bool { return testStr(t, string(z.CaptureZone)) })
			}, kindText, true
		}
	case "Source":
		switch attr {
		case "ID":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testStr(t, string(z.ID)) })
			}, kindID, true
		case "IP":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testStr(t, string(z.IP)) })
			}, kindID, true
		case "Hostname":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testStr(t, string(z.Hostname)) })
			}, kindText, true
		case "Category":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testList(t, z.Category, vi) })
			}, kindID, true
		case "Note":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testStr(t, string(z.Note)) })
			}, kindText, true
		case "TI":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testList(t, z.TI, vi) })
			}, kindText, true
		case "User":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testStr(t, string(z.User)) })
			}, kindText, true
		case "Email":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testStr(t, string(z.Email)) })
			}, kindText, true
		case "Protocol":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testList(t, z.Protocol, vi) })
			}, kindID, true
		case "Port":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testInts(t, z.Port, vi) })
			}, kindNum, true
		case "GeoLocation":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testStr(t, string(z.GeoLocation)) })
			}, kindID, true
		case "UnLocation":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testStr(t, string(z.UnLocation)) })
			}, kindID, true
		case "Location":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testStr(t, string(z.Location)) })
			}, kindText, true
		case "Attachment":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Source, ci, func(z *idmefv2.Source) bool { return testList(t, z.Attachment, vi) })
			}, kindID, true
		}
	case "Target":
		switch attr {
		case "ID":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testStr(t, string(z.ID)) })
			}, kindID, true
		case "IP":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testStr(t, string(z.IP)) })
			}, kindID, true
		case "Hostname":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testStr(t, string(z.Hostname)) })
			}, kindText, true
		case "Category":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testList(t, z.Category, vi) })
			}, kindID, true
		case "Note":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testStr(t, string(z.Note)) })
			}, kindText, true
		case "Service":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testStr(t, string(z.Service)) })
			}, kindText, true
		case "User":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testStr(t, string(z.User)) })
			}, kindText, true
		case "Email":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testStr(t, string(z.Email)) })
			}, kindText, true
		case "Port":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testInts(t, z.Port, vi) })
			}, kindNum, true
		case "GeoLocation":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testStr(t, string(z.GeoLocation)) })
			}, kindID, true
		case "UnLocation":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testStr(t, string(z.UnLocation)) })
			}, kindID, true
		case "Location":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testStr(t, string(z.Location)) })
			}, kindText, true
		case "Attachment":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Target, ci, func(z *idmefv2.Target) bool { return testList(t, z.Attachment, vi) })
			}, kindID, true
		}
	case "Attachment":
		switch attr {
		case "Name":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Attachment, ci, func(z *idmefv2.Attachment) bool { return testStr(t, string(z.Name)) })
			}, kindID, true
		case "FileName":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Attachment, ci, func(z *idmefv2.Attachment) bool { return testStr(t, string(z.FileName)) })
			}, kindText, true
		case "Hash":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Attachment, ci, func(z *idmefv2.Attachment) bool { return testList(t, z.Hash, vi) })
			}, kindID, true
		case "Size":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Attachment, ci, func(z *idmefv2.Attachment) bool {
					return z.Size != nil && t.test(value{n: float64(*z.Size), num: true})
				})
			}, kindNum, true
		case "Ref":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Attachment, ci, func(z *idmefv2.Attachment) bool { return testList(t, z.Ref, vi) })
			}, kindID, true
		case "ExternalURI":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Attachment, ci, func(z *idmefv2.Attachment) bool { return testList(t, z.ExternalURI, vi) })
			}, kindID, true
		case "Note":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Attachment, ci, func(z *idmefv2.Attachment) bool { return testStr(t, string(z.Note)) })
			}, kindText, true
		case "ContentType":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Attachment, ci, func(z *idmefv2.Attachment) bool { return testStr(t, string(z.ContentType)) })
			}, kindID, true
		case "ContentEncoding":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Attachment, ci, func(z *idmefv2.Attachment) bool { return testStr(t, string(z.ContentEncoding)) })
			}, kindID, true
		case "Content":
			return func(a *idmefv2.Alert, ci, vi int, t valueTest) bool {
				return each(a.Attachment, ci, func(z *idmefv2.Attachment) bool { return testStr(t, contentText(z.Content)) })
			}, kindText, true
		}
	}
	return nil, 0, false
}

// classAttrs lists the attributes of a class (for Aliases).
func classAttrs(cls string) []string {
	switch cls {
	case "Analyzer":
		return []string{"ID", "IP", "Name", "Hostname", "Model", "Category", "ext-Category", "Data", "ext-Data", "Method", "ext-Method", "GeoLocation", "UnLocation", "Location"}
	case "Sensor":
		return []string{"ID", "IP", "Name", "Hostname", "Model", "GeoLocation", "UnLocation", "Location", "CaptureZone"}
	case "Source":
		return []string{"ID", "IP", "Hostname", "Category", "Note", "TI", "User", "Email", "Protocol", "Port", "GeoLocation", "UnLocation", "Location", "Attachment"}
	case "Target":
		return []string{"ID", "IP", "Hostname", "Category", "Note", "Service", "User", "Email", "Port", "GeoLocation", "UnLocation", "Location", "Attachment"}
	case "Attachment":
		return []string{"Name", "FileName", "Hash", "Size", "Ref", "ExternalURI", "Note", "ContentType", "ContentEncoding", "Content"}
	}
	return nil
}
