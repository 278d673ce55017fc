package auth_test

import (
	"fmt"
	"testing"

	"github.com/wxcoupon/coupon/internal/auth"
	"github.com/wxcoupon/coupon/internal/service"
)

const benchJWTSecret = "bench-secret-bench-secret-bench-secret"

var benchPrincipalSink auth.Principal

// BenchmarkJWTVerify is the check every user request pays (requireRole):
// parse and verify a valid HS256 user token.
func BenchmarkJWTVerify(b *testing.B) {
	j := auth.NewJWT(benchJWTSecret, nil)
	tok, _, err := j.Issue("oFS7Fjl0WsZ9AMZqrI80nbIq8xrA", service.RoleUser, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p, err := j.Verify(tok)
		if err != nil {
			b.Fatal(err)
		}
		benchPrincipalSink = p
	}
}

// BenchmarkJWTVerifyParallel is the same check from GOMAXPROCS goroutines (one
// shared verifier, as in the server).
func BenchmarkJWTVerifyParallel(b *testing.B) {
	j := auth.NewJWT(benchJWTSecret, nil)
	tok, _, err := j.Issue("oFS7Fjl0WsZ9AMZqrI80nbIq8xrA", service.RoleUser, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := j.Verify(tok); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

var benchTokenSink string

// BenchmarkJWTIssue signs a user token, as POST /api/v1/auth/login does.
func BenchmarkJWTIssue(b *testing.B) {
	j := auth.NewJWT(benchJWTSecret, nil)
	b.ReportAllocs()
	for b.Loop() {
		tok, _, err := j.Issue("oFS7Fjl0WsZ9AMZqrI80nbIq8xrA", service.RoleUser, 0)
		if err != nil {
			b.Fatal(err)
		}
		benchTokenSink = tok
	}
}

// BenchmarkJWTVerifyFirstSight is the full check of a token this verifier has
// not seen yet (signature and claims); later requests with the same token are
// remembered (BenchmarkJWTVerify).
func BenchmarkJWTVerifyFirstSight(b *testing.B) {
	j := auth.NewJWT(benchJWTSecret, nil)
	const n = 4096
	toks := make([]string, n)
	for i := range toks {
		tok, _, err := j.Issue(fmt.Sprintf("oFS7Fjl0WsZ9AMZqrI80nbIq%04d", i), service.RoleUser, 0)
		if err != nil {
			b.Fatal(err)
		}
		toks[i] = tok
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%n == 0 {
			j = auth.NewJWT(benchJWTSecret, nil) // forget what was verified
		}
		p, err := j.Verify(toks[i%n])
		if err != nil {
			b.Fatal(err)
		}
		benchPrincipalSink = p
		i++
	}
}
