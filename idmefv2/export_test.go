package idmefv2

// CheckScratch lets the external tests, which can make generated alerts
// (alertgen imports idmefv2), run checkScratch on them.
var CheckScratch = checkScratch
