// Package assets tells which asset an address belongs to: an inventory of
// CSV or JSON files (address or CIDR prefix, hostname, owner, criticality,
// location, coordinates, tags; longest-prefix match; reloaded when a file
// changes) and, for addresses the files do not know, GLPI computers found
// by IP through GLPI's REST API (apirest.php). An asset's criticality can
// raise the alert's priority by configured rules.
package assets
