// Command k8s-check validates Clearance's Kubernetes manifests without a cluster: every document is decoded
// strictly into the real Kubernetes API types (an unknown or misspelt field, a wrong type or a duplicate key is
// an error), and the rules the project relies on in production are checked across the set (see rules.go).
//
//	go run ./tools/k8s-check deploy/k8s
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: k8s-check <manifest directory with kustomization.yaml>")
		os.Exit(2)
	}
	set, err := LoadSet(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8s-check:", err)
		os.Exit(1)
	}
	problems := Check(set)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "k8s-check:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Printf("k8s-check: %d objects in %s valid\n", len(set.Objects), os.Args[1])
}
