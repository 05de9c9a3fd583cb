// Command vigie is the Vigie SIEM: IDMEFv2 library tools, the SIEM itself and
// the Threat Response relays, in one binary.
//
// This package only parses flags and wires components together; the work is
// done by the packages under idmefv2/ and internal/.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd(os.Stdin, os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

// exitCode maps an error returned by a command to the process exit status:
// 0 success, 1 a failed check (e.g. an invalid message), 2 a usage error.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "vigie:", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "vigie:", err)
	return 1
}

// exitError carries an explicit exit status out of a command. An empty msg
// means the command already reported the problem itself.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string {
	if e.msg == "" {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.msg
}

// usageErrorf reports a usage error (exit status 2).
func usageErrorf(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}
