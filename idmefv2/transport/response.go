package transport

// Response is the JSON body of every answer that has one (all but 2xx):
// {"error": "..."} as in the draft's examples, plus details when they
// apply. The client decodes it into RejectedError.
type Response struct {
	// Error says what went wrong, for a human.
	Error string `json:"error"`
	// Offset is the index (from 0) of the byte where the body's JSON
	// syntax breaks, or its length when it is truncated.
	Offset *int64 `json:"offset,omitempty"`
	// Problems are the validation problems of a single message.
	Problems []Problem `json:"problems,omitempty"`
	// Items is the per-message result of a batch, one entry per message
	// in request order, present when at least one message was rejected.
	Items []ItemResult `json:"items,omitempty"`
}

// ItemResult is the outcome of one message of a batch.
type ItemResult struct {
	// Index is the message's position in the batch (from 0).
	Index int `json:"index"`
	// Status is the status a single request with this message would have
	// received: 204 accepted, 400 invalid, 413 too big, 415 wrong part
	// type.
	Status int `json:"status"`
	// Error says why the message was rejected.
	Error string `json:"error,omitempty"`
	// Problems are its validation problems.
	Problems []Problem `json:"problems,omitempty"`
}

// Accepted reports whether the message was accepted.
func (r ItemResult) Accepted() bool { return r.Status >= 200 && r.Status < 300 }
