package config_test

import (
	"testing"

	"github.com/wxcoupon/coupon/internal/config"
)

func TestMySQLPool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		want     config.MySQLPool
		wrongVar string
	}{
		{"defaults", nil, config.MySQLPool{MaxOpen: 25, MaxIdle: 25}, ""},
		{"idle follows open", map[string]string{"MYSQL_MAX_OPEN_CONNS": "8"}, config.MySQLPool{MaxOpen: 8, MaxIdle: 8}, ""},
		{"both set", map[string]string{"MYSQL_MAX_OPEN_CONNS": "20", "MYSQL_MAX_IDLE_CONNS": "5"}, config.MySQLPool{MaxOpen: 20, MaxIdle: 5}, ""},
		{"no idle", map[string]string{"MYSQL_MAX_IDLE_CONNS": "0"}, config.MySQLPool{MaxOpen: 25, MaxIdle: 0}, ""},
		{"open zero", map[string]string{"MYSQL_MAX_OPEN_CONNS": "0"}, config.MySQLPool{}, "MYSQL_MAX_OPEN_CONNS"},
		{"open not a number", map[string]string{"MYSQL_MAX_OPEN_CONNS": "many"}, config.MySQLPool{}, "MYSQL_MAX_OPEN_CONNS"},
		{"idle negative", map[string]string{"MYSQL_MAX_IDLE_CONNS": "-1"}, config.MySQLPool{}, "MYSQL_MAX_IDLE_CONNS"},
		{"idle above open", map[string]string{"MYSQL_MAX_OPEN_CONNS": "4", "MYSQL_MAX_IDLE_CONNS": "5"}, config.MySQLPool{}, "MYSQL_MAX_IDLE_CONNS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, ok := loadExpecting(t, tt.env, tt.wrongVar)
			if !ok {
				return
			}
			if c.MySQLPool != tt.want {
				t.Errorf("MySQLPool = %+v, want %+v", c.MySQLPool, tt.want)
			}
		})
	}
}
