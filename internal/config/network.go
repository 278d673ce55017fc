package config

import (
	"net/netip"
	"net/url"
	"strings"
)

// defaultTrustedProxies believes X-Forwarded-For only from a proxy on this host.
const defaultTrustedProxies = "127.0.0.1,::1"

// parseTrustedProxies reads TRUSTED_PROXIES: IPs or CIDRs, comma-separated,
// returned as CIDRs (a bare IP is its own /32 or /128).
func parseTrustedProxies(raw string) ([]string, error) {
	var out []string
	for _, item := range strings.Split(raw, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked().String())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return nil, &Error{"TRUSTED_PROXIES", "want comma-separated IPs or CIDRs such as 10.0.0.0/8, got " + quote(item)}
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()).String())
	}
	return out, nil
}

// parseOrigins reads CORS_ALLOWED_ORIGINS: browser origins (scheme://host[:port]),
// comma-separated, kept in the lower-case form browsers send. No wildcard:
// every origin allowed to call with a merchant's token is named.
func parseOrigins(raw string) ([]string, error) {
	var out []string
	for _, item := range strings.Split(raw, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		u, err := url.Parse(item)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, &Error{"CORS_ALLOWED_ORIGINS", "want comma-separated origins such as https://h5.example.com (scheme and host, no path or *), got " + quote(item)}
		}
		out = append(out, strings.ToLower(u.Scheme+"://"+u.Host))
	}
	return out, nil
}

func quote(s string) string { return "\"" + s + "\"" }
