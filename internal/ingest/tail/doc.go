// Package tail follows log files by path or glob (plain text or JSON
// lines) and hands their new lines to a handler in batches, and reads a
// stream once (stdin, an imported file).
//
// Files are polled. A file is known by its device and inode; its read
// position is saved after every batch the handler accepted, atomically,
// in a positions file, with a fingerprint of the file's head so that a
// re-used inode is read from the start. Rotation by rename and create is
// followed (the renamed file is read to its end, then the new one from
// its start); a file truncated in place (copytruncate) is read again from
// its start. A partial last line is held until its LF arrives.
package tail
