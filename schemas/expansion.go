package schemas

import (
	"strconv"
)

// MaxExpandedNodes bounds the size of a schema once its references are
// expanded: what validating one value may visit. References can fan out
// (twelve definitions, each naming the next four times, reach 4^12
// nodes), so the size of the text alone does not bound the work.
const MaxExpandedNodes = 50_000

// schemaChildren are the keywords whose value is one subschema, and those
// whose value is a list or a map of them.
var (
	schemaChild     = []string{"additionalProperties", "additionalItems", "contains", "propertyNames", "not", "if", "then", "else"}
	schemaList      = []string{"allOf", "anyOf", "oneOf"}
	schemaMap       = []string{"properties", "patternProperties", "dependencies"}
	schemaChildOrAt = "items" // one subschema, or a list of them
)

// expandedSize counts the nodes of a schema with its references expanded
// in place, up to limit (past it, it returns limit+1). A reference back
// to a node being expanded recurses through the data, whose depth bounds
// it: it counts once. Definitions count only where they are referenced.
func expandedSize(doc any, limit int) int {
	memo := map[string]int{}
	onPath := map[string]bool{}
	var size func(ptr string) int
	size = func(ptr string) int {
		if onPath[ptr] {
			return 1
		}
		if n, ok := memo[ptr]; ok {
			return n
		}
		node, ok := resolvePointer(doc, ptr).(map[string]any)
		if !ok {
			return 1
		}
		onPath[ptr] = true
		defer delete(onPath, ptr)
		total := 1
		add := func(child string) {
			if total <= limit {
				total = min(total+size(child), limit+1)
			}
		}
		for _, key := range schemaChild {
			if _, ok := node[key].(map[string]any); ok {
				add(ptr + "/" + key)
			}
		}
		for _, key := range schemaList {
			list, _ := node[key].([]any)
			for i := range list {
				add(ptr + "/" + key + "/" + strconv.Itoa(i))
			}
		}
		for _, key := range schemaMap {
			m, _ := node[key].(map[string]any)
			for name, sub := range m {
				if _, ok := sub.(map[string]any); ok {
					add(ptr + "/" + key + "/" + escapeToken(name))
				}
			}
		}
		switch items := node[schemaChildOrAt].(type) {
		case map[string]any:
			add(ptr + "/items")
		case []any:
			for i := range items {
				add(ptr + "/items/" + strconv.Itoa(i))
			}
		}
		if target, ok := refTarget(node); ok {
			if resolvePointer(doc, target) == nil {
				target = "" // a reference to no node is read as the root
			}
			add(target)
		}
		memo[ptr] = total
		return total
	}
	return size("")
}
