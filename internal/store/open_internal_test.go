package store

import "testing"

func TestOpenMySQLInterpolatesParamsWhereSafe(t *testing.T) {
	cases := []struct {
		dsn  string
		want bool
	}{
		{"root:@tcp(127.0.0.1:3306)/coupon", true},
		{"root:@tcp(127.0.0.1:3306)/coupon?charset=utf8mb4&collation=utf8mb4_unicode_ci", true},
		{"root:@tcp(127.0.0.1:3306)/coupon?interpolateParams=false", false},
		// The driver's own escaping is unsafe with these, and it says so.
		{"root:@tcp(127.0.0.1:3306)/coupon?charset=gbk", false},
		{"root:@tcp(127.0.0.1:3306)/coupon?collation=big5_chinese_ci", false},
	}
	for _, c := range cases {
		db, mc, err := openMySQL(c.dsn, 0, 0)
		if err != nil {
			t.Errorf("openMySQL(%q): %v", c.dsn, err)
			continue
		}
		db.Close()
		if mc.InterpolateParams != c.want {
			t.Errorf("openMySQL(%q): interpolateParams = %v, want %v", c.dsn, mc.InterpolateParams, c.want)
		}
		if !mc.ParseTime || mc.Loc.String() != "UTC" {
			t.Errorf("openMySQL(%q): parseTime %v, loc %v; want true, UTC", c.dsn, mc.ParseTime, mc.Loc)
		}
	}
}
