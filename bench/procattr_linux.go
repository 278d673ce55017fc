package main

import "syscall"

// childAttr makes the kernel kill a child when the benchmark dies without
// cleaning up (kill -9), so that no server is left behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
