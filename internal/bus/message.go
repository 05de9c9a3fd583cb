package bus

import "time"

// Logical subjects of the pipeline. Engines map them to their own names and
// may prepend a configured prefix (tenant or test isolation); stages always
// use these logical names.
const (
	// SubjectIn carries validated IDMEFv2 alerts in the current draft, as
	// accepted by ingest.
	SubjectIn = "alerts.in"
	// SubjectEnriched carries alerts after enrichment.
	SubjectEnriched = "alerts.enriched"
	// SubjectDead carries dead letters: input that was rejected at ingest and
	// messages a stage gave up on, each with the reason in HeaderDeadReason.
	SubjectDead = "alerts.dead"
)

// Header names with a meaning on the bus. Header names are case-sensitive.
// Names starting with "Nats-" or "Vigie-Bus-" are reserved for engines and
// rejected on publish.
const (
	// HeaderContentType is the media type of Data, e.g. "application/json".
	HeaderContentType = "Content-Type"
	// HeaderSender is the authenticated identity of whoever sent the alert
	// into Vigie (sensor token name, mTLS subject…). Ingest sets it; it is
	// carried over into dead letters.
	HeaderSender = "Vigie-Sender"
	// HeaderDeadReason says why a message was dead-lettered.
	HeaderDeadReason = "Vigie-Dead-Reason"
	// HeaderDeadSubject is the logical subject the dead letter came from.
	HeaderDeadSubject = "Vigie-Dead-Subject"
	// HeaderDeadConsumer is the durable consumer (stage) that gave up.
	HeaderDeadConsumer = "Vigie-Dead-Consumer"
	// HeaderDeadAttempts is the number of delivery attempts made, in decimal.
	HeaderDeadAttempts = "Vigie-Dead-Attempts"
	// HeaderReceived is when Vigie received the message from its sender,
	// RFC 3339 with nanoseconds: the start of the acknowledgement-to-queryable
	// latency. Ingest sets it; stages carry it on.
	HeaderReceived = "Vigie-Received"
	// HeaderDeadStatus is the HTTP status the sender got for an input that
	// ingest refused, in decimal.
	HeaderDeadStatus = "Vigie-Dead-Status"
	// HeaderDeadProblems is the JSON array of the validation problems of an
	// input that ingest refused.
	HeaderDeadProblems = "Vigie-Dead-Problems"
)

// Message is what a publisher hands to the bus.
type Message struct {
	// Subject is the logical subject, e.g. SubjectIn. It must name a stream
	// the bus was opened with.
	Subject string
	// Key identifies the payload, normally the alert ID. Engines use it for
	// partitioning (messages with one key keep their order) and, together
	// with a digest of Data, for publish-side de-duplication: publishing the
	// same Key with the same Data again within the stream's duplicate window
	// is a no-op that still succeeds, while the same Key with different Data
	// (an update of the alert) is stored. Empty means no de-duplication.
	Key string
	// Data is the payload, usually IDMEFv2 JSON.
	Data []byte
	// Header holds metadata such as HeaderContentType and HeaderSender.
	Header map[string]string
}

// Delivery is a message handed to a Handler, with what the bus knows about it.
// Data and Header are fresh for each delivery: the handler may keep them.
type Delivery struct {
	Message
	// Sequence is the message's position in its stream, starting at 1.
	// Engines may carry several messages in one stored unit (a pack): its
	// members share the Sequence and differ by Index.
	Sequence uint64
	// Index is the message's position in its pack, 0 when not packed.
	Index int
	// Attempt counts deliveries of this message to this consumer, starting
	// at 1; it is above 1 for redeliveries.
	Attempt int
	// Published is when the bus stored the message.
	Published time.Time
}

// Position orders the deliveries of a stream: by Sequence, then Index. It is
// unique per message and increases along the stream, so a consumer may keep
// the highest one it handled as a mark.
func (d Delivery) Position() uint64 {
	return d.Sequence<<16 | uint64(d.Index)&0xffff
}
