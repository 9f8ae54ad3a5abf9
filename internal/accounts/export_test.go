package accounts

// ThrottleKeyHash is how the throttle table names key, for tests that set
// a count directly instead of sending hundreds of requests.
func ThrottleKeyHash(key string) string { return hashKey(key) }
