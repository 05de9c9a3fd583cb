package connectors

import (
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// suricataEvent is the part of an EVE JSON record the converter reads.
type suricataEvent struct {
	Timestamp string `json:"timestamp"`
	EventType string `json:"event_type"`
	SrcIP     string `json:"src_ip"`
	SrcPort   int64  `json:"src_port"`
	DestIP    string `json:"dest_ip"`
	DestPort  int64  `json:"dest_port"`
	Proto     string `json:"proto"`
	AppProto  string `json:"app_proto"`
	Alert     *struct {
		Action      string `json:"action"`
		SignatureID int64  `json:"signature_id"`
		Rev         int64  `json:"rev"`
		Signature   string `json:"signature"`
		Category    string `json:"category"`
		Severity    int64  `json:"severity"`
	} `json:"alert"`
	Anomaly *struct {
		Type  string `json:"type"`
		Event string `json:"event"`
		Layer string `json:"layer"`
	} `json:"anomaly"`
	HTTP *struct {
		Hostname string `json:"hostname"`
		URL      string `json:"url"`
	} `json:"http"`
}

// suricataCategory maps a Suricata classtype (its classification.config
// description) to a V08 category.
func suricataCategory(classtype string) idmefv2.Category {
	switch classtype {
	case "Attempted Information Leak":
		return idmefv2.CategoryReconNetwork
	case "Information Leak":
		return idmefv2.CategoryTheftData
	case "Large Scale Information Leak":
		return idmefv2.CategoryTheftData
	case "Detection of a Network Scan":
		return idmefv2.CategoryReconNetwork
	case "Potential Corporate Privacy Violation":
		return idmefv2.CategoryOperationalPolicyViolation
	case "Potentially Bad Traffic":
		return idmefv2.CategoryReconNetwork
	case "A Network Trojan was detected":
		return idmefv2.CategoryMalwareTrojan
	case "Malware Command and Control Activity Detected":
		return idmefv2.CategoryMalwareBackdoor
	case "Web Application Attack":
		return idmefv2.CategoryAccessCompromise
	case "Attempted Administrator Privilege Gain":
		return idmefv2.CategoryAccessEscalation
	case "Successful Administrator Privilege Gain":
		return idmefv2.CategoryAccessEscalation
	case "Attempted User Privilege Gain":
		return idmefv2.CategoryAccessEscalation
	case "Unsuccessful User Privilege Gain":
		return idmefv2.CategoryAccessEscalation
	case "Successful User Privilege Gain":
		return idmefv2.CategoryAccessEscalation
	case "Attempted Denial of Service":
		return idmefv2.CategoryAvailabilityDoS
	case "Denial of Service":
		return idmefv2.CategoryAvailabilityDoS
	case "Detection of a Denial of Service Attack":
		return idmefv2.CategoryAvailabilityDoS
	case "Attempt to login by a default username and password":
		return idmefv2.CategoryAccessForced
	case "Crypto Currency Mining Activity Detected":
		return idmefv2.CategoryMalwareCryptominer
	case "Possible Social Engineering Attempted":
		return idmefv2.CategorySocialEngOther
	case "Possibly Unwanted Program Detected":
		return idmefv2.CategoryMalwareAdware
	case "Misc activity":
		return idmefv2.CategoryOtherUncategorised
	case "Misc Attack":
		return idmefv2.CategoryOtherUncategorised
	case "Not Suspicious Traffic":
		return idmefv2.CategoryOtherUncategorised
	case "Unknown Traffic":
		return idmefv2.CategoryOtherUndetermined
	}
	return idmefv2.CategoryOtherUncategorised
}

// suricataPriority maps alert.severity (1 is the most severe in Suricata)
// the way the original connector did.
func suricataPriority(sev int64) idmefv2.Priority {
	switch {
	case sev <= 0:
		return idmefv2.PriorityUnknown
	case sev == 1:
		return idmefv2.PriorityInfo
	case sev == 2:
		return idmefv2.PriorityLow
	case sev == 3:
		return idmefv2.PriorityMedium
	default:
		return idmefv2.PriorityHigh
	}
}

func convertSuricata(b *builder, line []byte) (*idmefv2.Alert, error) {
	var ev suricataEvent
	if err := b.decode(line, &ev); err != nil {
		return nil, err
	}
	switch ev.EventType {
	case "alert":
		if ev.Alert == nil {
			return nil, b.errf("field %q: missing in an alert event", "alert")
		}
		if ev.Alert.Category == "Generic Protocol Command Decode" {
			return nil, nil
		}
	case "anomaly":
		if ev.Anomaly == nil {
			return nil, b.errf("field %q: missing in an anomaly event", "anomaly")
		}
	case "":
		return nil, b.errf("field %q: missing", "event_type")
	default:
		return nil, nil // flows, stats, protocol logs are not alerts
	}
	at, err := b.time("timestamp", ev.Timestamp, layoutNumericZone, layoutRFC3339)
	if err != nil {
		return nil, err
	}
	a, err := b.alert("suricata", at)
	if err != nil {
		return nil, err
	}
	a.Type = []idmefv2.Type{idmefv2.TypeCyber}
	a.Analyzer.Category = []idmefv2.AnalyzerCategory{idmefv2.AnalyzerCategoryNETNIDS}
	a.Analyzer.Data = []idmefv2.AnalyzerData{idmefv2.AnalyzerDataNetwork}
	if ev.Alert != nil {
		a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodSignature}
		a.Category = []idmefv2.Category{suricataCategory(ev.Alert.Category)}
		a.Priority = suricataPriority(ev.Alert.Severity)
		a.Description = ev.Alert.Signature
		if ev.Alert.Category != "" {
			a.AltCategory = []string{"suricata:" + ev.Alert.Category}
		}
		if ev.Alert.SignatureID > 0 {
			a.Ref = []string{"urn:suricata:sid:" + strconv.FormatInt(ev.Alert.SignatureID, 10)}
		}
	} else {
		a.Analyzer.Method = []idmefv2.AnalyzerMethod{idmefv2.AnalyzerMethodAnomaly, idmefv2.AnalyzerMethodProtocol}
		a.Category = []idmefv2.Category{idmefv2.CategoryOtherUncategorised}
		a.Priority = idmefv2.PriorityLow
		a.Description = strings.TrimSpace("anomaly " + ev.Anomaly.Type + " " + ev.Anomaly.Event)
	}
	if err := suricataEndpoints(b, a, &ev); err != nil {
		return nil, err
	}
	return a, nil
}

// suricataEndpoints adds the source and target; an empty address (a decoder
// event without a flow) gives no endpoint instead of the original 127.0.0.1.
func suricataEndpoints(b *builder, a *idmefv2.Alert, ev *suricataEvent) error {
	var protos []string
	if ev.Proto != "" {
		protos = append(protos, ev.Proto)
	}
	if ev.AppProto != "" && ev.AppProto != "failed" {
		protos = append(protos, ev.AppProto)
	}
	srcIP, err := b.ip("src_ip", ev.SrcIP)
	if err != nil {
		return err
	}
	srcPort, err := b.ports("src_port", ev.SrcPort)
	if err != nil {
		return err
	}
	dstIP, err := b.ip("dest_ip", ev.DestIP)
	if err != nil {
		return err
	}
	dstPort, err := b.ports("dest_port", ev.DestPort)
	if err != nil {
		return err
	}
	if srcIP != "" {
		if err := b.addSource(a, idmefv2.Source{IP: srcIP, Port: srcPort, Protocol: protos}); err != nil {
			return err
		}
	}
	if dstIP != "" {
		t := idmefv2.Target{IP: dstIP, Port: dstPort}
		if ev.HTTP != nil {
			t.Hostname = ev.HTTP.Hostname
			if ev.HTTP.URL != "" {
				t.Service = "http " + ev.HTTP.URL
			}
		}
		if err := b.addTarget(a, t); err != nil {
			return err
		}
	}
	return nil
}
