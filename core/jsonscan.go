package core

// A small scanner over JSON that is already known to be valid (ValidJSON): it hands out an
// object's top-level fields, or an array's elements, as raw slices of the input, without
// decoding them into Go values. The OneBot proxy uses it on every request and reply, the store
// to find a stored event's member, the bench's poller to read long-poll answers.

// EachJSONField calls fn with every top-level field of the object b, in order (a key that appears
// twice is handed out twice: the caller keeps the last, as encoding/json and JSON.parse do).
// key is the raw key between its quotes; escaped says it holds a backslash escape (compare it
// with fieldKey). It returns false when b is not an object; on input that is not valid JSON it
// stops early without panicking.
func EachJSONField(b []byte, fn func(key []byte, escaped bool, value []byte)) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] == '}' {
			return true
		}
		if b[i] == ',' {
			i++
			continue
		}
		if b[i] != '"' {
			return true
		}
		end, escaped := jsonStringEnd(b, i)
		if end < 0 {
			return true
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return true
		}
		i = skipSpace(b, i+1)
		vend := JSONValueEnd(b, i)
		if vend <= i {
			return true
		}
		fn(key, escaped, b[i:vend])
		i = vend
	}
}

// EachJSONElement calls fn with every element of the array b (valid JSON) and its index, in order,
// until fn returns false. It returns false when b is not an array.
func EachJSONElement(b []byte, fn func(i int, value []byte) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return false
	}
	i++
	for n := 0; ; {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] == ']' {
			return true
		}
		if b[i] == ',' {
			i++
			continue
		}
		end := JSONValueEnd(b, i)
		if end <= i {
			return true
		}
		if !fn(n, b[i:end]) {
			return true
		}
		n++
		i = end
	}
}

// JSONValueEnd returns the index just past the value that starts at b[i] (i itself when there is
// none).
func JSONValueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		end, _ := jsonStringEnd(b, i)
		if end < 0 {
			return i
		}
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _ := jsonStringEnd(b, j)
				if end < 0 {
					return i
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return i
	}
	j := i
	for ; j < len(b); j++ {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return j
		}
	}
	return j
}

// jsonStringEnd returns the index just past the string that starts at b[i] ('"'), and whether it
// holds an escape; -1 when it does not end.
func jsonStringEnd(b []byte, i int) (int, bool) {
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return -1, escaped
}
