package store

// Store is everything an engine provides. Consumers declare the narrow
// interface they need instead of depending on Store.
type Store interface {
	Alerts
	LifecycleStore
	DeadLetters
	Sensors
	Accounts
	Events
	// Close releases the engine's resources; calls in flight may fail.
	Close() error
}
