package main

import (
	"fmt"
	"strings"
)

// describe has planted problems for go vet and staticcheck.
func describe(name string, count int) string {
	fmt.Printf("%d items for %s\n", name, count)
	if strings.Index(name, "x") != -1 {
		return "has x"
	}
	return fmt.Sprintf("%s", name)
}

func main() {
	var unused = strings.ToUpper("a")
	_ = unused
	fmt.Println(describe("box", 2))
}
