package schemas

import (
	"net/url"
	"strconv"
	"strings"
)

// sameInstance are the keywords whose subschemas apply to the very value
// their schema applies to, without descending into it.
var sameInstance = []string{"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependencies"}

// refCycle finds a loop of references that validation would follow
// forever without descending into the data, such as a definition whose
// $ref names itself, or "allOf": [{"$ref": "#"}] at the root, and returns
// the JSON pointer where it starts. Recursion through properties or items
// is fine: the data's depth bounds it.
func refCycle(doc any) (string, bool) {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	edges := func(ptr string) []string {
		node, _ := resolvePointer(doc, ptr).(map[string]any)
		out := sameInstanceEdges(node, ptr)
		for i, target := range out {
			// A reference to no node of the schema is read as its root.
			if resolvePointer(doc, target) == nil {
				out[i] = ""
			}
		}
		return out
	}
	var visit func(ptr string) (string, bool)
	visit = func(ptr string) (string, bool) {
		switch state[ptr] {
		case onPath:
			return ptr, true
		case done:
			return "", false
		}
		state[ptr] = onPath
		for _, next := range edges(ptr) {
			if at, found := visit(next); found {
				return at, true
			}
		}
		state[ptr] = done
		return "", false
	}
	var at string
	found := false
	walkObjects(doc, "", func(ptr string) bool {
		at, found = visit(ptr)
		return !found
	})
	return at, found
}

// sameInstanceEdges lists the subschemas a node hands its own value to.
func sameInstanceEdges(node map[string]any, ptr string) []string {
	if node == nil {
		return nil
	}
	var out []string
	if target, ok := refTarget(node); ok {
		out = append(out, target)
	}
	for _, key := range sameInstance {
		switch sub := node[key].(type) {
		case []any:
			for i := range sub {
				out = append(out, ptr+"/"+key+"/"+strconv.Itoa(i))
			}
		case map[string]any:
			if key == "dependencies" {
				for name, dep := range sub {
					if _, isSchema := dep.(map[string]any); isSchema {
						out = append(out, ptr+"/"+key+"/"+escapeToken(name))
					}
				}
				continue
			}
			out = append(out, ptr+"/"+key)
		}
	}
	return out
}

// refTarget is the JSON pointer a node's local $ref names, if it has one:
// the root when it is not a pointer, as the validator reads it.
func refTarget(node map[string]any) (string, bool) {
	ref, ok := node["$ref"].(string)
	if !ok || !strings.HasPrefix(ref, "#") {
		return "", false
	}
	target, err := url.PathUnescape(strings.TrimPrefix(ref, "#"))
	if err != nil || (target != "" && !strings.HasPrefix(target, "/")) {
		target = ""
	}
	return target, true
}

// walkObjects calls visit with the pointer of every object in doc, until
// visit returns false.
func walkObjects(doc any, ptr string, visit func(string) bool) bool {
	switch v := doc.(type) {
	case map[string]any:
		if !visit(ptr) {
			return false
		}
		for key, child := range v {
			if !walkObjects(child, ptr+"/"+escapeToken(key), visit) {
				return false
			}
		}
	case []any:
		for i, child := range v {
			if !walkObjects(child, ptr+"/"+strconv.Itoa(i), visit) {
				return false
			}
		}
	}
	return true
}

// resolvePointer returns the value a JSON pointer names in doc, or nil.
func resolvePointer(doc any, ptr string) any {
	if ptr == "" {
		return doc
	}
	node := doc
	for _, token := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		token = strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")
		switch v := node.(type) {
		case map[string]any:
			node = v[token]
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			node = v[i]
		default:
			return nil
		}
	}
	return node
}

func escapeToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
