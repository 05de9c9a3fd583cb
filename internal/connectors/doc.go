// Package connectors converts the native events of security tools (Suricata,
// Wazuh, ClamAV, ModSecurity, Prometheus/Alertmanager, Zabbix, Kismet,
// Samhain, T-Pot, ZoneMinder, Motion) into IDMEFv2 alerts.
//
// Each converter reads one event (a JSON line, or a text line for Samhain)
// and returns an alert that is valid against 2.D.V08, nil for an event it
// filters out, or an error naming the field that is malformed. The mappings
// follow the IDMEFv2 project's Python connectors, with their schema defects
// fixed; docs/CONNECTORS.md documents each one.
package connectors
