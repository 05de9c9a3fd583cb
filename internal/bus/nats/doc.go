// Package nats implements the Vigie bus (package bus) on NATS JetStream,
// either with a nats-server embedded in the process (the zero-configuration
// default, file storage in the data directory) or with an external NATS
// server or cluster reached by URL. Both cases run the same client code: the
// embedded server is reached through an in-process connection.
//
// Each logical subject maps to one stream (file storage, limits retention,
// discard-new so that a full stream rejects publishes instead of losing
// data). Consumers are durable pull consumers with explicit, confirmed
// acknowledgements; the delivery limit is enforced by this package rather
// than by the server, so that a message that exhausts its attempts is always
// copied to the dead-letter stream before it is terminated. See docs/BUS.md.
//
// Only JetStream features of nats-server 2.9 are used, so that the
// Debian-packaged server works as an external engine.
package nats
