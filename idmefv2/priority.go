package idmefv2

// Rank orders priorities by severity: Unknown (and any value outside the
// enumeration) 0, then Info 1, Low 2, Medium 3, High 4. Compare ranks to
// raise a priority without ever lowering it.
func (p Priority) Rank() int {
	switch p {
	case PriorityInfo:
		return 1
	case PriorityLow:
		return 2
	case PriorityMedium:
		return 3
	case PriorityHigh:
		return 4
	}
	return 0
}
