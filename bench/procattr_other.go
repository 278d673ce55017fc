//go:build !linux

package main

import "syscall"

// childAttr: outside Linux children are only stopped by the benchmark itself.
func childAttr() *syscall.SysProcAttr { return nil }
